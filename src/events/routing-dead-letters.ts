import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database, Queryable } from "../db/database.js";
import { EVENTS_CHANNEL } from "./event-types.js";

/**
 * Routing dead letters (event_routing_failures, migration 0040), beside the routing queue they come from: the
 * events module owns both tables; the router decides when an event is poison (journeys/poison-event-policy.ts).
 */

/**
 * Moves the head of `partitions`' queue — the event a one-event routing batch takes first — to
 * `event_routing_failures`. Only the worker leasing those partitions routes them, so the head is the event that
 * just failed. Returns its id, or undefined when the queue was empty.
 */
export async function quarantineHeadEvent(
  db: Database,
  partitions: readonly number[],
  failure: { error: unknown; attempts: number; now: Date },
): Promise<number | undefined> {
  if (partitions.length === 0) return undefined;
  const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
  const result = await db.query<{ event_id: string }>(
    `WITH head AS (
       SELECT event_id FROM event_routing_queue WHERE partition = ANY($1::smallint[])
        ORDER BY event_id LIMIT 1 FOR UPDATE),
     gone AS (DELETE FROM event_routing_queue q USING head WHERE q.event_id = head.event_id
               RETURNING q.event_id, q.partition)
     INSERT INTO event_routing_failures (event_id, partition, error, attempts, failed_at)
     SELECT event_id, partition, $2, $3, $4 FROM gone
     ON CONFLICT (event_id) DO UPDATE SET error = EXCLUDED.error, attempts = EXCLUDED.attempts,
                                          failed_at = EXCLUDED.failed_at
     RETURNING event_id`,
    [partitions, message.slice(0, 2000), failure.attempts, failure.now.toISOString()],
  );
  const id = result.rows[0]?.event_id;
  return id === undefined ? undefined : Number(id);
}

export interface RoutingFailure {
  eventId: number;
  event: string | null;
  userId: string | null;
  error: string;
  attempts: number;
  failedAt: Date;
}

/** The dead letters, newest first. */
export async function listRoutingFailures(q: Queryable, limit = 100): Promise<RoutingFailure[]> {
  const result = await q.query<{
    event_id: string;
    event: string | null;
    user_id: string | null;
    error: string;
    attempts: number;
    failed_at: Date;
  }>(
    `SELECT f.event_id, e.event, e.user_id, f.error, f.attempts, f.failed_at
       FROM event_routing_failures f LEFT JOIN events e ON e.id = f.event_id
      ORDER BY f.failed_at DESC, f.event_id DESC LIMIT $1`,
    [limit],
  );
  return result.rows.map((row) => ({
    eventId: Number(row.event_id),
    event: row.event,
    userId: row.user_id,
    error: row.error,
    attempts: row.attempts,
    failedAt: row.failed_at,
  }));
}

/** Puts a dead letter back in the routing queue (after a fix); false when there is no such failure. */
export async function requeueRoutingFailure(
  db: Database,
  eventId: number,
  audit: AuditContext,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const result = await tx.query<{ error: string; attempts: number }>(
      `WITH gone AS (DELETE FROM event_routing_failures WHERE event_id = $1
                     RETURNING event_id, partition, error, attempts),
       queued AS (INSERT INTO event_routing_queue (event_id, partition) SELECT event_id, partition FROM gone
                  ON CONFLICT (event_id) DO NOTHING)
       SELECT error, attempts, pg_notify('${EVENTS_CHANNEL}', '') FROM gone`,
      [eventId],
    );
    const row = result.rows[0];
    if (!row) return false;
    await recordAudit(tx, audit, {
      action: "routing_failure.requeued",
      targetType: "event",
      targetId: String(eventId),
      before: { error: row.error, attempts: row.attempts },
    });
    return true;
  });
}

/** What the routing queue holds right now, for metrics and health: depth, the oldest queued event's age, dead letters. */
export interface RoutingQueueStats {
  queued: number;
  /** When the oldest queued event was received; null when the queue is empty. */
  oldestReceivedAt: Date | null;
  deadLetters: number;
}

/**
 * One statement over the two small tables. The oldest queued event is the lowest queued id (ids grow with
 * arrival), found through the queue's primary key and read by the events' own.
 */
export async function routingQueueStats(q: Queryable): Promise<RoutingQueueStats> {
  const { rows } = await q.query<{ queued: number; oldest: Date | null; dead: number }>(
    `SELECT (SELECT count(*)::int FROM event_routing_queue) AS queued,
            (SELECT e.received_at FROM events e
              WHERE e.id = (SELECT min(event_id) FROM event_routing_queue)) AS oldest,
            (SELECT count(*)::int FROM event_routing_failures) AS dead`,
  );
  const row = rows[0];
  return { queued: row?.queued ?? 0, oldestReceivedAt: row?.oldest ?? null, deadLetters: row?.dead ?? 0 };
}
