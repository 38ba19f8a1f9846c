import type { Queryable } from "../db/database.js";

/** What the alert rules read about routing: its lag and its dead letters. */
export interface RoutingHealth {
  /** Age of the oldest event waiting to be routed, in seconds (0 when the queue is empty). */
  queueLagSeconds: number;
  queued: number;
  /** Events in `event_routing_failures` (all of them: a dead letter stays until requeued). */
  deadLetters: number;
}

export async function readRoutingHealth(q: Queryable, now: Date): Promise<RoutingHealth> {
  const result = await q.query<{ lag: number | null; queued: number; dead: number }>(
    `SELECT
       (SELECT extract(epoch FROM $1::timestamptz - e.received_at)::float8
          FROM (SELECT event_id FROM event_routing_queue ORDER BY event_id LIMIT 1) oldest
          JOIN events e ON e.id = oldest.event_id) AS lag,
       (SELECT count(*)::int FROM event_routing_queue) AS queued,
       (SELECT count(*)::int FROM event_routing_failures) AS dead`,
    [now.toISOString()],
  );
  const row = result.rows[0];
  return {
    queueLagSeconds: Math.max(0, row?.lag ?? 0),
    queued: row?.queued ?? 0,
    deadLetters: row?.dead ?? 0,
  };
}
