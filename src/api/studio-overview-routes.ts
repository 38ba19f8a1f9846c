import { createRoute, z } from "@hono/zod-openapi";
import { countContacts } from "../contacts/contact-store.js";
import { migrationStatus } from "../db/migrate.js";
import { emailOverview } from "../email/outbox/email-overview.js";
import { runTotals } from "../journeys/journey-insights.js";
import type { Clock } from "../lib/clock.js";
import { readSystemStatus } from "../operations/system-status.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, dataOf, errors, json } from "./openapi-router.js";

const BandSchema = z.object({
  rate: z.number(),
  band: z.enum(["ok", "warn", "critical"]),
  warn: z.number(),
  critical: z.number(),
});

const OverviewSchema = z
  .object({
    sent: z.object({ last24h: z.number().int(), last7d: z.number().int(), last30d: z.number().int() }),
    rates: z
      .object({
        delivered: z.number(),
        bounce: BandSchema,
        complaint: BandSchema,
        unsubscribe: z.number(),
      })
      .openapi({ description: "30-day rates per message sent, with the Gmail/Yahoo bands" }),
    counts30d: z
      .record(z.string(), z.number())
      .openapi({ description: "30-day counts by outcome and event type" }),
    sendsPerDay: z.array(z.object({ day: z.string(), category: z.string(), sent: z.number().int() })),
    runs: z.object({
      active: z.number().int(),
      sleeping: z.number().int().openapi({ description: "Waiting runs: in a sleep or waiting for an event" }),
      failed: z.number().int(),
    }),
    contacts: z.object({
      count: z.number().int(),
      approximate: z.boolean().openapi({ description: "Above 100,000 the count is Postgres's estimate" }),
    }),
    health: z.object({
      schema: z.object({ current: z.boolean(), pending: z.array(z.string()) }),
      workers: z.array(z.object({ id: z.string(), seenAt: z.string(), live: z.boolean() })),
      routingDeadLetters: z.number().int(),
      routingQueue: z.object({ depth: z.number().int(), lagSeconds: z.number() }),
      outboxLagSeconds: z.number(),
    }),
  })
  .openapi("Overview");

const overviewRoute = createRoute({
  method: "get",
  path: "/overview",
  tags: ["Studio"],
  summary: "Studio's overview: sends, rates against the bands, runs, contacts and health",
  description:
    "Read from counters kept as data arrives (email_counters, journey_counters) and indexed lookups: never a " +
    "scan of events or messages.",
  security: API_KEY_SECURITY,
  responses: { 200: json(dataOf(OverviewSchema), "The overview"), ...errors(401, 403) },
});

export interface OverviewOptions {
  clock: Clock;
}

/** GET /overview. */
export function createStudioOverviewRoutes({ db }: RouteContext, options: OverviewOptions) {
  return createRouter().openapi(overviewRoute, async (c) => {
    const now = options.clock.now();
    const email = await emailOverview(db, now);
    const runs = await runTotals(db);
    const contacts = await countContacts(db);
    const schema = await migrationStatus(db);
    // The same workers and queues /v1/health reports (one reader, operations/system-status.ts).
    const status = await readSystemStatus(db, now);
    return c.json(
      {
        data: {
          ...email,
          runs: { active: runs.active ?? 0, sleeping: runs.waiting ?? 0, failed: runs.failed ?? 0 },
          contacts,
          health: {
            schema: { current: schema.pending.length === 0, pending: schema.pending },
            workers: status.workers.list.map((w) => ({ id: w.id, seenAt: w.lastSeenAt, live: w.live })),
            routingDeadLetters: status.queues.routingDeadLetters,
            routingQueue: { depth: status.queues.routingQueued, lagSeconds: status.queues.routingLagSeconds },
            outboxLagSeconds: status.queues.outboxLagSeconds,
          },
        },
      },
      200,
    );
  });
}
