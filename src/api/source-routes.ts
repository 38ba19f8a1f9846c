import { createRoute, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Clock } from "../lib/clock.js";
import { safeText } from "../lib/input-guard/index.js";
import type { WebhookRequest, WebhookSource } from "../sources/define-webhook-source.js";
import { receiveSourceDelivery, type SourceAnswer } from "../sources/receive-source-delivery.js";
import type { SegmentCall } from "../sources/segment-source.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { createRouter, errors, json } from "./openapi-router.js";

export interface SourceRouteOptions {
  clock: Clock;
  /** Every source served at `POST /v1/sources/{id}`: the built-ins and the project's own. */
  sources: readonly WebhookSource[];
  /** The Segment-compatible calls, each its own source instance (they differ only in the body's shape). */
  segment: Readonly<Record<SegmentCall, WebhookSource>>;
}

const SourceAnswerSchema = z
  .object({
    status: z.enum(["processed", "duplicate", "ignored", "unresolved", "rejected"]),
    accepted: z.number().int().optional().openapi({ description: "Events newly stored" }),
    duplicates: z.number().int().optional().openapi({ description: "Events already stored (by messageId)" }),
    reason: z.string().optional().openapi({ description: "Why a verified delivery could not be used" }),
  })
  .openapi("SourceAnswer");

const SegmentAnswerSchema = z
  .object({ success: z.literal(true), status: z.enum(["processed", "duplicate", "ignored"]) })
  .openapi("SegmentAnswer");

const payload = (description: string) => ({
  description,
  content: { "application/json": { schema: { type: "object" as const, additionalProperties: true } } },
});

const sourceRoute = createRoute({
  method: "post",
  path: "/v1/sources/{source}",
  tags: ["Sources"],
  summary: "Receive a webhook from a source (posthog, stripe, or one defined in hogsend.config.ts)",
  description:
    "Verified on the raw body (PostHog: Standard Webhooks headers or x-posthog-webhook-secret; Stripe: " +
    "stripe-signature; a delivery whose headers could never verify is refused before its body is read), stored as a receipt, deduplicated on the sender's id, mapped to events and appended like " +
    "`POST /v1/ingest`; answered after the commit. A forged or unsigned delivery is 401 and stores nothing; a " +
    "verified one that cannot be used is 200 `rejected` and kept (GET /v1/admin/sources/receipts).",
  security: [{ sourceSignature: [] }],
  request: {
    params: z.strictObject({
      source: safeText(64).openapi({ param: { name: "source", in: "path" }, example: "posthog" }),
    }),
    body: payload("The sender's payload, as it sends it"),
  },
  responses: {
    200: json(SourceAnswerSchema, "Processed, a duplicate, ignored, held unresolved, or rejected (kept)"),
    ...errors(401, 404, 413),
  },
});

const segmentRoute = (call: SegmentCall, checkWriteKey: MiddlewareHandler<ApiEnv>) =>
  createRoute({
    method: "post",
    path: `/v1/${call}`,
    tags: ["Sources"],
    summary: `Segment-compatible ${call}`,
    description:
      "Segment's HTTP tracking API shape; the write key (SEGMENT_WRITE_KEY) is the basic-auth username. " +
      (call === "batch" ? "`{ batch: [track|identify|page|screen|alias|group…] }`." : ""),
    security: [{ segmentWriteKey: [] }],
    middleware: [checkWriteKey] as const,
    request: { body: payload(`A Segment ${call} call`) },
    responses: {
      200: json(SegmentAnswerSchema, "Stored (committed), or a duplicate"),
      ...errors(400, 401, 413),
    },
  });

/** `POST /v1/sources/{source}` and the Segment-compatible `/v1/track`, `/v1/identify`, `/v1/batch`. */
export function createSourceRoutes({ db }: RouteContext, options: SourceRouteOptions) {
  const byId = new Map(options.sources.map((s) => [s.id, s]));
  const deps = { db, clock: options.clock };
  // The write key is a header: a caller without it is refused before a byte of the body is read (or waited for).
  const checkWriteKey =
    (call: SegmentCall): MiddlewareHandler<ApiEnv> =>
    async (c, next) => {
      if (!(await options.segment[call].verify({ rawBody: "", headers: headersOf(c) }))) {
        throw unauthorized("Missing or invalid write key");
      }
      await next();
    };
  const segment = (call: SegmentCall) => async (c: Context<ApiEnv>) => {
    const answer = await receiveSourceDelivery(deps, options.segment[call], await requestOf(c), {
      keepRejected: false,
    });
    if (answer.status === "unauthorized") throw unauthorized("Missing or invalid write key");
    if (answer.status === "rejected") throw new HogsendError(ErrorCodes.VALIDATION_FAILED, answer.reason);
    // Segment messages always carry their user; "unresolved" cannot come back, and would still be stored.
    const status = answer.status === "unresolved" ? "processed" : answer.status;
    return c.json({ success: true as const, status }, 200);
  };
  return createRouter()
    .openapi(sourceRoute, async (c) => {
      const { source: id } = c.req.valid("param");
      const source = byId.get(id);
      if (!source) throw new HogsendError(ErrorCodes.NOT_FOUND, `No source "${id}"`);
      // Before the body: a delivery whose headers could never verify is refused without buffering it.
      if (source.verifyHeaders && !(await source.verifyHeaders(headersOf(c)))) {
        throw unauthorized(`Missing or invalid ${id} signature`);
      }
      const answer: SourceAnswer = await receiveSourceDelivery(deps, source, await requestOf(c));
      if (answer.status === "unauthorized") throw unauthorized(`Missing or invalid ${id} signature`);
      return c.json(answer, 200);
    })
    .openapi(segmentRoute("track", checkWriteKey("track")), segment("track"))
    .openapi(segmentRoute("identify", checkWriteKey("identify")), segment("identify"))
    .openapi(segmentRoute("batch", checkWriteKey("batch")), segment("batch"));
}

function headersOf(c: Context<ApiEnv>): Record<string, string> {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return headers;
}

async function requestOf(c: Context<ApiEnv>): Promise<WebhookRequest> {
  return { rawBody: await c.req.text(), headers: headersOf(c) };
}

function unauthorized(message: string): HogsendError {
  return new HogsendError(ErrorCodes.UNAUTHORIZED, message);
}
