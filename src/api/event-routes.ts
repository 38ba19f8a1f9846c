import { Hono } from "hono";
import { z } from "zod";
import { listEvents } from "../events/event-store.js";
import { INGEST_LIMITS, isStorableText } from "../events/validate-ingest.js";
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

/** `GET /v1/admin/events?userId=&event=&cursor=&limit=`: the event store, newest first, cursor-paginated. */
export function createEventRoutes({ db, authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get("/v1/admin/events", requireApiKey(authenticate, ["admin"]), async (c) => {
    const query = parseBody(listQuery, c.req.query());
    const page = await listEvents(db, query);
    return c.json({ data: page.events, nextCursor: page.nextCursor });
  });
  return routes;
}
