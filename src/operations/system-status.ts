import type { Queryable } from "../db/database.js";
import { outboxStats } from "../email/outbox/message-store.js";
import { routingQueueStats } from "../events/routing-dead-letters.js";
import { listHeartbeats } from "../journeys/worker-heartbeat-store.js";
import { HEARTBEAT_STALE_MS } from "../journeys/worker-heartbeats.js";

export interface WorkerStatus {
  id: string;
  host: string;
  engine: string;
  startedAt: string;
  lastSeenAt: string;
  /** Seen within the last three heartbeat intervals. */
  live: boolean;
}

export interface SystemStatus {
  workers: { live: number; lastHeartbeatAt: string | null; list: WorkerStatus[] };
  queues: {
    /** Events stored and not yet routed, and the age of the oldest of them. */
    routingQueued: number;
    routingLagSeconds: number;
    routingDeadLetters: number;
    outboxQueued: number;
    /** How long the most overdue queued email has been due. */
    outboxLagSeconds: number;
  };
}

/**
 * What an operator (or `/v1/health`, or Studio's overview) wants besides "the schema is current": which workers
 * are alive and how far behind the queues are. Three small reads, each from the module that owns the table.
 */
export async function readSystemStatus(db: Queryable, now: Date): Promise<SystemStatus> {
  const [beats, routing, outbox] = await Promise.all([
    listHeartbeats(db),
    routingQueueStats(db),
    outboxStats(db, now),
  ]);
  const list = beats.map((beat) => ({
    id: beat.workerId,
    host: beat.host,
    engine: beat.engine,
    startedAt: beat.startedAt.toISOString(),
    lastSeenAt: beat.lastSeenAt.toISOString(),
    live: now.getTime() - beat.lastSeenAt.getTime() <= HEARTBEAT_STALE_MS,
  }));
  return {
    workers: {
      live: list.filter((worker) => worker.live).length,
      lastHeartbeatAt: list[0]?.lastSeenAt ?? null,
      list,
    },
    queues: {
      routingQueued: routing.queued,
      routingLagSeconds: secondsSince(now, routing.oldestReceivedAt),
      routingDeadLetters: routing.deadLetters,
      outboxQueued: outbox.queued,
      outboxLagSeconds: secondsSince(now, outbox.oldestDueAt),
    },
  };
}

function secondsSince(now: Date, then: Date | null): number {
  return then === null ? 0 : Math.max(0, Math.round((now.getTime() - then.getTime()) / 100) / 10);
}
