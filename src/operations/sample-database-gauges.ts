import type { Queryable } from "../db/database.js";
import { outboxStats } from "../email/outbox/message-store.js";
import { routingQueueStats } from "../events/routing-dead-letters.js";
import { countLiveRuns } from "../journeys/journey-store.js";
import { listHeartbeats } from "../journeys/worker-heartbeat-store.js";
import { HEARTBEAT_STALE_MS } from "../journeys/worker-heartbeats.js";
import type { Clock } from "../lib/clock.js";
import type { HogsendMetrics } from "../metrics/hogsend-metrics.js";
import { syncOutboxStats } from "../sync/sync-outbox-store.js";

/** A gauge fed by another module (the sources' sync outbox): called in the same pass as the built-in ones. */
export type GaugeSample = (q: Queryable, metrics: HogsendMetrics) => Promise<void>;

/**
 * One pass of the database gauges, each read from the module that owns its table: live runs by journey and status,
 * the routing queue (depth, lag, dead letters), the outbox (depth by status, lag), the sync outbox (pending, dead)
 * and worker heartbeats. Five small statements, each on an index or a small table. `extra` lets a later module's
 * gauges join the same pass.
 */
export function databaseGaugeSample(
  db: Queryable,
  metrics: HogsendMetrics,
  clock: Clock,
  extra: readonly GaugeSample[] = [],
): () => Promise<void> {
  return async () => {
    const now = clock.now();
    const [runs, routing, outbox, heartbeats, sync] = await Promise.all([
      countLiveRuns(db),
      routingQueueStats(db),
      outboxStats(db, now),
      listHeartbeats(db),
      syncOutboxStats(db),
    ]);
    // Reset first: a journey whose last live run ended must drop to nothing, not keep its old count.
    metrics.journeys.runs.reset();
    for (const row of runs)
      metrics.journeys.runs.set({ journey: row.journeyId, status: row.status }, row.runs);
    metrics.events.queueDepth.set(routing.queued);
    metrics.events.routingLag.set(secondsSince(now, routing.oldestReceivedAt));
    metrics.events.deadLetters.set(routing.deadLetters);
    metrics.email.outboxMessages.set({ status: "queued" }, outbox.queued);
    metrics.email.outboxMessages.set({ status: "sending" }, outbox.sending);
    metrics.email.outboxLag.set(secondsSince(now, outbox.oldestDueAt));
    metrics.sync.outboxMessages.set({ status: "pending" }, sync.pending);
    metrics.sync.outboxMessages.set({ status: "dead" }, sync.dead);
    const fresh = heartbeats.filter(
      (beat) => now.getTime() - beat.lastSeenAt.getTime() <= HEARTBEAT_STALE_MS,
    );
    metrics.workers.live.set(fresh.length);
    for (const sample of extra) await sample(db, metrics);
  };
}

function secondsSince(now: Date, then: Date | null): number {
  return then === null ? 0 : Math.max(0, (now.getTime() - then.getTime()) / 1000);
}
