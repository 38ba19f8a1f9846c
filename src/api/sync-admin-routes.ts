import { createRoute, z } from "@hono/zod-openapi";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Clock } from "../lib/clock.js";
import { boundedInt, safeText } from "../lib/input-guard/index.js";
import { OUTBOUND_CATALOG_VERSION, OUTBOUND_EVENT_TYPES } from "../sync/outbound-catalog.js";
import { type Destination, listDeadLetters, listDestinations } from "../sync/sync-outbox-store.js";
import {
  registerWebhookEndpoint,
  removeWebhookEndpoint,
  requeueSyncDeadLetter,
  testWebhookEndpoint,
} from "../sync/webhook-endpoints.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, dataOf, errors, json, pageOf } from "./openapi-router.js";

const EndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()).nullable().openapi({ description: "null: every type of the catalog" }),
    enabled: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("WebhookEndpoint");
const CreatedEndpointSchema = EndpointSchema.extend({
  secret: z.string().openapi({ description: "Standard Webhooks signing secret (whsec_…); shown only here" }),
}).openapi("CreatedWebhookEndpoint");
const DeadLetterSchema = z
  .object({
    id: z.number().int(),
    destinationId: z.string(),
    eventId: z.string(),
    type: z.string(),
    userId: z.string().nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    occurredAt: z.string(),
  })
  .openapi("SyncDeadLetter");

const eventType = z.enum(Object.keys(OUTBOUND_EVENT_TYPES) as [string, ...string[]]);
const httpUrl = safeText(2048).refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}, "must be an http:// or https:// URL");
const endpointId = z.strictObject({
  id: safeText(64).openapi({ param: { name: "id", in: "path" } }),
});

const catalogRoute = createRoute({
  method: "get",
  path: "/sync/catalog",
  tags: ["Sync"],
  summary: "The outbound event catalog (versioned): every fact sent to destinations",
  security: API_KEY_SECURITY,
  responses: {
    200: json(
      dataOf(z.object({ version: z.number().int(), types: z.record(z.string(), z.string()) })),
      "The catalog",
    ),
    ...errors(401, 403),
  },
});
const listRoute = createRoute({
  method: "get",
  path: "/webhook-endpoints",
  tags: ["Sync"],
  summary: "Registered webhook endpoints",
  security: API_KEY_SECURITY,
  responses: { 200: json(pageOf(EndpointSchema), "Oldest first"), ...errors(401, 403) },
});
const createRouteDef = createRoute({
  method: "post",
  path: "/webhook-endpoints",
  tags: ["Sync"],
  summary: "Register a webhook endpoint (signed Standard Webhooks deliveries of the catalog's events)",
  security: API_KEY_SECURITY,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            url: httpUrl,
            description: safeText(500).optional(),
            eventTypes: z.array(eventType).max(50).optional(),
          }),
        },
      },
    },
  },
  responses: { 201: json(dataOf(CreatedEndpointSchema), "Registered"), ...errors(400, 401, 403, 415) },
});
const deleteRoute = createRoute({
  method: "delete",
  path: "/webhook-endpoints/{id}",
  tags: ["Sync"],
  summary: "Remove an endpoint with its pending and dead deliveries",
  security: API_KEY_SECURITY,
  request: { params: endpointId },
  responses: {
    200: json(dataOf(z.object({ deleted: z.string() })), "Removed"),
    ...errors(400, 401, 403, 404),
  },
});
const testRoute = createRoute({
  method: "post",
  path: "/webhook-endpoints/{id}/test",
  tags: ["Sync"],
  summary: "Send a signed webhook.test event to the endpoint now and report its answer",
  security: API_KEY_SECURITY,
  request: { params: endpointId },
  responses: {
    200: json(
      dataOf(
        z.object({ ok: z.boolean(), status: z.number().int().optional(), error: z.string().optional() }),
      ),
      "What the endpoint answered",
    ),
    ...errors(400, 401, 403, 404),
  },
});
const deadRoute = createRoute({
  method: "get",
  path: "/sync/dead-letters",
  tags: ["Sync"],
  summary: "Facts a destination never accepted (after every retry), newest first",
  security: API_KEY_SECURITY,
  request: {
    query: z.strictObject({
      destination: safeText(64).optional(),
      limit: boundedInt(1, 1000).default(100),
    }),
  },
  responses: { 200: json(pageOf(DeadLetterSchema), "Dead letters"), ...errors(400, 401, 403) },
});
const requeueRoute = createRoute({
  method: "post",
  path: "/sync/dead-letters/{id}/requeue",
  tags: ["Sync"],
  summary: "Send a dead letter again (attempts reset)",
  security: API_KEY_SECURITY,
  request: {
    params: z.strictObject({
      id: boundedInt(1, Number.MAX_SAFE_INTEGER).openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: {
    200: json(dataOf(z.object({ requeued: z.number().int() })), "Queued again"),
    ...errors(400, 401, 403, 404),
  },
});

const endpointOf = (d: Destination) => ({
  id: d.id,
  url: d.url ?? "",
  description: d.description,
  eventTypes: d.eventTypes,
  enabled: d.enabled,
  createdAt: d.createdAt.toISOString(),
});

/** Engagement out: the catalog, webhook endpoints, and the outbox's dead letters. */
export function createSyncAdminRoutes({ db }: RouteContext, options: { clock: Clock }) {
  return createRouter()
    .openapi(catalogRoute, (c) =>
      c.json({ data: { version: OUTBOUND_CATALOG_VERSION, types: { ...OUTBOUND_EVENT_TYPES } } }, 200),
    )
    .openapi(listRoute, async (c) => {
      const endpoints = await listDestinations(db, "webhook");
      return c.json({ data: endpoints.map(endpointOf), nextCursor: null }, 200);
    })
    .openapi(createRouteDef, async (c) => {
      const created = await registerWebhookEndpoint(db, c.req.valid("json"), auditContextOf(c));
      return c.json({ data: { ...endpointOf(created), secret: created.secret ?? "" } }, 201);
    })
    .openapi(deleteRoute, async (c) => {
      const { id } = c.req.valid("param");
      if (!(await removeWebhookEndpoint(db, id, auditContextOf(c)))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No webhook endpoint ${id}`);
      }
      return c.json({ data: { deleted: id } }, 200);
    })
    .openapi(testRoute, async (c) => {
      const result = await testWebhookEndpoint(db, c.req.valid("param").id, options.clock.now());
      return c.json(
        { data: result.ok ? { ok: true, status: result.status } : { ok: false, error: result.error } },
        200,
      );
    })
    .openapi(deadRoute, async (c) => {
      const { destination, limit } = c.req.valid("query");
      const dead = await listDeadLetters(db, { destinationId: destination, limit });
      return c.json(
        { data: dead.map((d) => ({ ...d, occurredAt: d.occurredAt.toISOString() })), nextCursor: null },
        200,
      );
    })
    .openapi(requeueRoute, async (c) => {
      const { id } = c.req.valid("param");
      if (!(await requeueSyncDeadLetter(db, id, options.clock.now(), auditContextOf(c)))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No dead letter ${id}`);
      }
      return c.json({ data: { requeued: id } }, 200);
    });
}
