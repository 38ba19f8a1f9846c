import { Hono } from "hono";
import { z } from "zod";
import { ErrorCodes, HogsendError } from "../errors.js";
import { listEvents } from "../events/event-store.js";
import { INGEST_LIMITS } from "../events/validate-ingest.js";
import { listRoutingFailures, requeueRoutingFailure } from "../journeys/routing-failures.js";
import { boundedInt, safeText } from "../lib/input-guard/index.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseParams, parseQuery } from "./parse-body.js";
import { requireApiKey } from "./require-api-key.js";

const listQuery = z.strictObject({
  userId: safeText(INGEST_LIMITS.maxUserId).optional(),
  event: safeText(INGEST_LIMITS.maxEventName).optional(),
  cursor: safeText(64).optional(),
  limit: boundedInt(1, 1000).default(100),
});

const failuresQuery = z.strictObject({ limit: boundedInt(1, 1000).default(100) });
const eventIdParam = z.strictObject({ eventId: boundedInt(1, Number.MAX_SAFE_INTEGER) });

/**
 * `GET /v1/admin/events?userId=&event=&cursor=&limit=`: the event store, newest first, cursor-paginated.
 * `GET /v1/admin/events/routing-failures`: events routing gave up on (dead letters), with the error;
 * `POST /v1/admin/events/routing-failures/:eventId/requeue` routes one again once the cause is fixed.
 */
export function createEventRoutes({ db, authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get("/v1/admin/events", requireApiKey(authenticate, ["admin"]), async (c) => {
    const query = parseQuery(listQuery, c);
    const page = await listEvents(db, query);
    return c.json({ data: page.events, nextCursor: page.nextCursor });
  });
  routes.get("/v1/admin/events/routing-failures", requireApiKey(authenticate, ["admin"]), async (c) => {
    const { limit } = parseQuery(failuresQuery, c);
    return c.json({ data: await listRoutingFailures(db, limit) });
  });
  routes.post(
    "/v1/admin/events/routing-failures/:eventId/requeue",
    requireApiKey(authenticate, ["admin"]),
    async (c) => {
      const { eventId } = parseParams(eventIdParam, c);
      if (!(await requeueRoutingFailure(db, eventId))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No routing failure for event ${eventId}`);
      }
      return c.json({ requeued: eventId });
    },
  );
  return routes;
}
