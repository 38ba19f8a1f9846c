import { createRoute, z } from "@hono/zod-openapi";
import { ErrorCodes, HogsendError } from "../errors.js";
import { listEvents } from "../events/event-store.js";
import { listRoutingFailures, requeueRoutingFailure } from "../events/routing-dead-letters.js";
import { INGEST_LIMITS } from "../events/validate-ingest.js";
import { boundedInt, safeText } from "../lib/input-guard/index.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import {
  API_KEY_SECURITY,
  createRouter,
  cursorParam,
  dataOf,
  errors,
  json,
  pageOf,
} from "./openapi-router.js";

export const StoredEventSchema = z
  .object({
    id: z.number().int(),
    messageId: z.string(),
    event: z.string(),
    userId: z.string(),
    userEmail: z.string().nullable(),
    properties: z.record(z.string(), z.unknown()),
    occurredAt: z.string(),
    receivedAt: z.string(),
    source: z.string(),
    extra: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("Event");

const RoutingFailureSchema = z
  .object({
    eventId: z.number().int(),
    event: z.string().nullable(),
    userId: z.string().nullable(),
    error: z.string(),
    attempts: z.number().int(),
    failedAt: z.string(),
  })
  .openapi("RoutingFailure");

const listEventsRoute = createRoute({
  method: "get",
  path: "/events",
  tags: ["Events"],
  summary: "The event store, newest first",
  security: API_KEY_SECURITY,
  request: {
    query: z.strictObject({
      userId: safeText(INGEST_LIMITS.maxUserId).optional(),
      event: safeText(INGEST_LIMITS.maxEventName).optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 1000).default(100),
    }),
  },
  responses: { 200: json(pageOf(StoredEventSchema), "A page of events"), ...errors(400, 401, 403) },
});

const listFailuresRoute = createRoute({
  method: "get",
  path: "/events/routing-failures",
  tags: ["Events"],
  summary: "Events routing gave up on (dead letters), with the error",
  security: API_KEY_SECURITY,
  request: { query: z.strictObject({ limit: boundedInt(1, 1000).default(100) }) },
  responses: { 200: json(pageOf(RoutingFailureSchema), "Newest first"), ...errors(400, 401, 403) },
});

const requeueRoute = createRoute({
  method: "post",
  path: "/events/routing-failures/{eventId}/requeue",
  tags: ["Events"],
  summary: "Route a dead-lettered event again once the cause is fixed",
  security: API_KEY_SECURITY,
  request: {
    params: z.strictObject({
      eventId: boundedInt(1, Number.MAX_SAFE_INTEGER).openapi({ param: { name: "eventId", in: "path" } }),
    }),
  },
  responses: {
    200: json(dataOf(z.object({ requeued: z.number().int() })), "Queued for routing again"),
    ...errors(400, 401, 403, 404),
  },
});

/** The event store and routing's dead letters. */
export function createEventRoutes({ db }: RouteContext) {
  return createRouter()
    .openapi(listEventsRoute, async (c) => {
      const page = await listEvents(db, c.req.valid("query"));
      return c.json({ data: page.events, nextCursor: page.nextCursor }, 200);
    })
    .openapi(listFailuresRoute, async (c) => {
      const data = await listRoutingFailures(db, c.req.valid("query").limit);
      return c.json({ data, nextCursor: null }, 200);
    })
    .openapi(requeueRoute, async (c) => {
      const { eventId } = c.req.valid("param");
      if (!(await requeueRoutingFailure(db, eventId, auditContextOf(c)))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No routing failure for event ${eventId}`);
      }
      return c.json({ data: { requeued: eventId } }, 200);
    });
}
