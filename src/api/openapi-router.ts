import { type Hook, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { ApiEnv } from "./api-env.js";
import { describeIssues } from "./parse-body.js";
import { readJsonBody } from "./read-json-body.js";

/**
 * Every route is declared once with `createRoute` (its zod schemas for params, query, body and responses) and
 * registered with `router.openapi(route, handler)`: validation, the handler's types, the typed client and the
 * OpenAPI document all come from that one declaration. Every router comes from `createRouter`, whose hook turns
 * a zod failure into our 400 VALIDATION_FAILED naming each bad field (a path parameter as `params.<name>`).
 */
export function createRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
}

const TARGETS: Record<string, { message: string; prefix: string; fallback: string }> = {
  param: { message: "The request path is invalid", prefix: "params.", fallback: "(path)" },
  query: { message: "The query string is invalid", prefix: "", fallback: "(query)" },
  json: { message: "The request body is invalid", prefix: "", fallback: "(body)" },
  form: { message: "The form body is invalid", prefix: "", fallback: "(body)" },
  header: { message: "A request header is invalid", prefix: "headers.", fallback: "(headers)" },
};

// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every input shape.
const validationHook: Hook<any, ApiEnv, any, any> = (result) => {
  if (result.success) return;
  const target = TARGETS[result.target] ?? {
    message: "The request is invalid",
    prefix: "",
    fallback: "(request)",
  };
  const details = describeIssues(result.error.issues, target.fallback).map((detail) => ({
    ...detail,
    path: detail.path.startsWith("(") ? detail.path : `${target.prefix}${detail.path}`,
  }));
  // A batch (ingest) is rejected whole: say so, as the batch's own validation always has.
  const message = details.some((detail) => detail.index !== undefined)
    ? `${details.length} problem(s) in the request; nothing was stored`
    : target.message;
  throw new HogsendError(ErrorCodes.VALIDATION_FAILED, message, { details });
};

/**
 * Runs before a route's body validator: a wrong content type is 415, bad UTF-8 or malformed JSON 400
 * INVALID_JSON (the validator alone would call both a plain 400). The validator then gets the value parsed here
 * instead of parsing the body a second time (a 1,000-event ingest batch is worth parsing once).
 */
export const jsonBody: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const parsed = await readJsonBody(c);
  c.req.json = <T>() => Promise.resolve(parsed as T);
  await next();
};

// ---- shared schemas ---------------------------------------------------------------------------------------

export const FieldProblemSchema = z
  .object({
    path: z
      .string()
      .openapi({ description: "The field: `email`, `properties.plan`, `params.userId`, `(body)`" }),
    message: z.string(),
    index: z.number().int().optional().openapi({ description: "Position in an ingest `batch`" }),
  })
  .openapi("FieldProblem");

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.values(ErrorCodes) as [string, ...string[]]),
      message: z.string(),
      details: z
        .union([z.array(FieldProblemSchema), z.looseObject({})])
        .optional()
        .openapi({ description: "For VALIDATION_FAILED, one entry per bad field" }),
    }),
  })
  .openapi("Error");

const ERROR_DESCRIPTIONS = {
  400: "VALIDATION_FAILED or INVALID_JSON: `details` names each bad field",
  401: "UNAUTHORIZED: missing or unknown API key (or webhook credentials)",
  403: "FORBIDDEN: the key's scope does not allow this route",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "IDEMPOTENCY_KEY_REUSED",
  429: "RATE_LIMITED (with Retry-After)",
  503: "DATABASE_UNAVAILABLE (with Retry-After)",
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Error responses of a route, all in the one error shape. */
export function errors<const S extends readonly ErrorStatus[]>(...statuses: S) {
  const out = {} as Record<
    S[number] | 503,
    { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }
  >;
  for (const status of [...statuses, 503 as const]) {
    (out as Record<number, unknown>)[status] = {
      description: ERROR_DESCRIPTIONS[status],
      content: { "application/json": { schema: ErrorSchema } },
    };
  }
  return out;
}

/** A JSON response. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** `{ data }`: one resource. */
export function dataOf<T extends z.ZodType>(schema: T) {
  return z.object({ data: schema });
}

/** `{ data, nextCursor }`: a list; pass `nextCursor` back as `cursor` for the next page (null on the last). */
export function pageOf<T extends z.ZodType>(schema: T) {
  return z.object({ data: z.array(schema), nextCursor: z.string().nullable() });
}

/** The cursor query parameter of every paginated list. */
export const cursorParam = z
  .string()
  .min(1)
  .max(400)
  .optional()
  .openapi({ description: "`nextCursor` from the previous page" });

/** The two ways to pass an API key; admin routes need an `admin` key, ingest and send an `ingest` or `admin` one. */
export const API_KEY_SECURITY = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
