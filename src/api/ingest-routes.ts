import { createRoute, z } from "@hono/zod-openapi";
import { ErrorCodes, HogsendError } from "../errors.js";
import { createEventNotifier } from "../events/event-notifier.js";
import { createIngestBatcher } from "../events/ingest-batcher.js";
import { INGEST_LIMITS, type IngestProblem, validateIngestBody } from "../events/validate-ingest.js";
import type { Clock } from "../lib/clock.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, errors, json, jsonBody } from "./openapi-router.js";
import { requireApiKey } from "./require-api-key.js";
import { createSharedRateLimiter, type SharedRateLimiter } from "./shared-rate-limiter.js";

export interface IngestRouteOptions {
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  clock: Clock;
  /** The per-key limiter (shared through Redis by the composition root); per process at the rate above if unset. */
  limiter?: SharedRateLimiter | undefined;
}

const EVENT_DOC = {
  type: "object" as const,
  required: ["event", "userId"],
  properties: {
    event: { type: "string" as const, maxLength: INGEST_LIMITS.maxEventName, example: "user.signed_up" },
    userId: { type: "string" as const, maxLength: INGEST_LIMITS.maxUserId },
    userEmail: { type: ["string" as const, "null" as const], maxLength: INGEST_LIMITS.maxEmail },
    properties: { type: "object" as const, additionalProperties: true },
    timestamp: {
      description: "ISO 8601 or epoch ms; 1970 to a day ahead; defaults to now",
      oneOf: [{ type: "string" as const }, { type: "number" as const }],
    },
    messageId: {
      type: "string" as const,
      maxLength: INGEST_LIMITS.maxMessageId,
      description:
        "Deduplication key: an event whose messageId was stored before is acknowledged, not stored",
    },
  },
  additionalProperties: true,
};

const AcceptedSchema = z
  .object({
    accepted: z.number().int().openapi({ description: "Events newly stored" }),
    duplicates: z.number().int().openapi({ description: "Events whose messageId was already stored" }),
  })
  .openapi("IngestAccepted");

/**
 * `POST /v1/ingest`: one event or `{ batch }` of up to 1,000. Answers 202 `{ accepted, duplicates }` only after
 * the events and their routing-queue rows have committed. Multi-row statements shared by concurrent requests
 * (group commit, see createIngestBatcher) and no per-event queries keep this path fast.
 */
export function createIngestRoutes({ db, authenticate, logger }: RouteContext, options: IngestRouteOptions) {
  const limiter =
    options.limiter ??
    createSharedRateLimiter({
      name: "ingest",
      ratePerSecond: options.rateLimitPerSecond,
      burst: options.rateLimitBurst,
      logger,
    });
  const notifier = createEventNotifier(db);
  const batcher = createIngestBatcher(db, { onInserted: notifier.poke });
  // The whole batch is checked by validateIngestBody, whose problems carry the event's `index` in the batch.
  const body = z
    .unknown()
    .transform((raw, ctx) => {
      try {
        return validateIngestBody(raw, options.clock.now());
      } catch (error) {
        if (!(error instanceof HogsendError) || !Array.isArray(error.details)) throw error;
        for (const problem of error.details as IngestProblem[]) {
          ctx.addIssue({
            code: "custom",
            message: problem.message,
            path: [problem.path],
            params: { index: problem.index },
          });
        }
        return z.NEVER;
      }
    })
    .openapi({
      description: `One event, or \`{ batch }\` of 1 to ${INGEST_LIMITS.maxBatch}; one bad event rejects the whole batch`,
      oneOf: [
        EVENT_DOC,
        {
          type: "object",
          required: ["batch"],
          properties: {
            batch: { type: "array", items: EVENT_DOC, minItems: 1, maxItems: INGEST_LIMITS.maxBatch },
          },
        },
      ],
    });
  const route = createRoute({
    method: "post",
    path: "/v1/ingest",
    tags: ["Ingest"],
    summary: "Ingest events",
    security: API_KEY_SECURITY,
    middleware: [requireApiKey(authenticate, ["ingest", "admin"]), jsonBody] as const,
    request: { body: { required: true, content: { "application/json": { schema: body } } } },
    responses: {
      202: json(AcceptedSchema, "Stored (committed) or acknowledged as duplicates"),
      ...errors(400, 401, 403, 413, 415, 429),
    },
  });
  return createRouter().openapi(route, async (c) => {
    const events = c.req.valid("json");
    const allowed = await limiter.take(c.get("principal").keyId, events.length);
    if (!allowed.ok) {
      throw new HogsendError(ErrorCodes.RATE_LIMITED, "Too many events for this API key; slow down", {
        details: { retryAfterSeconds: allowed.retryAfterSeconds },
      });
    }
    return c.json(await batcher.submit(events), 202);
  });
}
