import { Hono } from "hono";
import { ErrorCodes, HogsendError } from "../errors.js";
import { createEventNotifier } from "../events/event-notifier.js";
import { createIngestBatcher } from "../events/ingest-batcher.js";
import { validateIngestBody } from "../events/validate-ingest.js";
import type { Clock } from "../lib/clock.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { createRateLimiter } from "./rate-limiter.js";
import { readJsonBody } from "./read-json-body.js";
import { requireApiKey } from "./require-api-key.js";

export interface IngestRouteOptions {
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  clock: Clock;
}

/**
 * `POST /v1/ingest`: one event or `{ batch }` of up to 1,000. Answers 202 `{ accepted, duplicates }` only after
 * the events and their routing-queue rows have committed: `accepted` counts events newly stored, `duplicates`
 * those acknowledged because their messageId was already stored. Multi-row statements shared by concurrent
 * requests (group commit, see createIngestBatcher) and no per-event queries keep this path fast.
 */
export function createIngestRoutes(options: IngestRouteOptions) {
  return ({ db, authenticate }: RouteContext): Hono<ApiEnv> => {
    const routes = new Hono<ApiEnv>();
    const limiter = createRateLimiter({
      ratePerSecond: options.rateLimitPerSecond,
      burst: options.rateLimitBurst,
    });
    const notifier = createEventNotifier(db);
    const batcher = createIngestBatcher(db, { onInserted: notifier.poke });
    routes.post("/v1/ingest", requireApiKey(authenticate, ["ingest", "admin"]), async (c) => {
      const events = validateIngestBody(await readJsonBody(c), options.clock.now());
      const allowed = limiter.take(c.get("principal").keyId, events.length);
      if (!allowed.ok) {
        throw new HogsendError(ErrorCodes.RATE_LIMITED, "Too many events for this API key; slow down", {
          details: { retryAfterSeconds: allowed.retryAfterSeconds },
        });
      }
      return c.json(await batcher.submit(events), 202);
    });
    return routes;
  };
}
