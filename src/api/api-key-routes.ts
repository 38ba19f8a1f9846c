import { createRoute, z } from "@hono/zod-openapi";
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey } from "../auth/api-key-store.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { isUuid, safeText } from "../lib/input-guard/index.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, dataOf, errors, json, jsonBody, pageOf } from "./openapi-router.js";

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(API_KEY_SCOPES),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

const listRoute = createRoute({
  method: "get",
  path: "/api-keys",
  tags: ["API keys"],
  summary: "Every API key (never the key itself)",
  security: API_KEY_SECURITY,
  responses: { 200: json(pageOf(ApiKeySchema), "The keys, oldest first"), ...errors(401, 403) },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/api-keys",
  tags: ["API keys"],
  summary: "Create an API key; the key is shown once",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            name: z.string().trim().pipe(safeText(200)),
            scope: z.enum(API_KEY_SCOPES).default("ingest"),
          }),
        },
      },
    },
  },
  responses: {
    201: json(dataOf(ApiKeySchema.extend({ key: z.string() })), "Created"),
    ...errors(400, 401, 403, 413, 415),
  },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/api-keys/{id}",
  tags: ["API keys"],
  summary: "Revoke an API key (every api process drops it within a second)",
  security: API_KEY_SECURITY,
  request: {
    params: z.object({ id: safeText(200).openapi({ param: { name: "id", in: "path" }, format: "uuid" }) }),
  },
  responses: {
    200: json(dataOf(z.object({ revoked: z.literal(true), id: z.string() })), "Revoked"),
    ...errors(400, 401, 403, 404),
  },
});

/** Admin management of API keys, mirroring `hogsend keys create|list|revoke`. */
export function createApiKeyRoutes({ db, authenticate }: RouteContext) {
  return createRouter()
    .openapi(listRoute, async (c) => c.json({ data: await listApiKeys(db), nextCursor: null }, 200))
    .openapi(createKeyRoute, async (c) => {
      const { key, record } = await createApiKey(db, c.req.valid("json"), auditContextOf(c));
      return c.json({ data: { key, ...record } }, 201);
    })
    .openapi(revokeRoute, async (c) => {
      const { id } = c.req.valid("param");
      if (!isUuid(id)) throw new HogsendError(ErrorCodes.NOT_FOUND, "No such API key");
      if ((await revokeApiKey(db, id, auditContextOf(c))) === 0)
        throw new HogsendError(ErrorCodes.NOT_FOUND, "No such API key");
      // At once here, before the answer; other processes drop it when the revocation's notification reaches them.
      authenticate.forget(id.toLowerCase());
      return c.json({ data: { revoked: true as const, id: id.toLowerCase() } }, 200);
    });
}
