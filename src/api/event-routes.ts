import { Hono } from "hono";
import { z } from "zod";
import { ErrorCodes, HogsendError } from "../errors.js";
import { listEvents } from "../events/event-store.js";
import { INGEST_LIMITS, isStorableText } from "../events/validate-ingest.js";
import { listRoutingFailures, requeueRoutingFailure } from "../journeys/routing-failures.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseBody } from "./parse-body.js";
import { requireApiKey } from "./require-api-key.js";

const text = (max: number) =>
  z.string().min(1).max(max).refine(isStorableText, "contains unstorable characters");
const listQuery = z.strictObject({
  userId: text(INGEST_LIMITS.maxUserId).optional(),
  event: text(INGEST_LIMITS.maxEventName).optional(),
  cursor: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const failuresQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const eventIdParam = z.strictObject({
  eventId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

/**
 * `GET /v1/admin/events?userId=&event=&cursor=&limit=`: the event store, newest first, cursor-paginated.
 * `GET /v1/admin/events/routing-failures`: events routing gave up on (dead letters), with the error;
 * `POST /v1/admin/events/routing-failures/:eventId/requeue` routes one again once the cause is fixed.
 */
export function createEventRoutes({ db, authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get("/v1/admin/events", requireApiKey(authenticate, ["admin"]), async (c) => {
    const query = parseBody(listQuery, c.req.query());
    const page = await listEvents(db, query);
    return c.json({ data: page.events, nextCursor: page.nextCursor });
  });
  routes.get("/v1/admin/events/routing-failures", requireApiKey(authenticate, ["admin"]), async (c) => {
    const { limit } = parseBody(failuresQuery, c.req.query());
    return c.json({ data: await listRoutingFailures(db, limit) });
  });
  routes.post(
    "/v1/admin/events/routing-failures/:eventId/requeue",
    requireApiKey(authenticate, ["admin"]),
    async (c) => {
      const { eventId } = parseBody(eventIdParam, c.req.param());
      if (!(await requeueRoutingFailure(db, eventId))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No routing failure for event ${eventId}`);
      }
      return c.json({ requeued: eventId });
    },
  );
  return routes;
}
