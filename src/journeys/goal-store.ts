import type { Queryable } from "../db/database.js";

/** An event that meets a journey's goal (event name and `where` already matched), for `recordConversions`. */
export interface GoalHit {
  journeyId: string;
  userId: string;
  eventId: number;
  event: string;
  occurredAt: Date;
  withinMs: number;
}

/**
 * Records conversions for a routed batch, in one statement whatever its size: each run of the hit's (journey,
 * user) that has not converted, entered before the hit's event was routed (its trigger event id is lower: a
 * user's events route in id order) and entered at most `within` before the event occurred converts on the first
 * such event. The run's status does not matter: completed, exited and held-out runs convert too. Reached through
 * `journey_runs_user` (user, journey, created_at). Returns the runs converted here.
 */
export async function recordConversions(
  q: Queryable,
  hits: readonly GoalHit[],
  at: Date,
): Promise<Array<{ id: string; eventId: number }>> {
  if (hits.length === 0) return [];
  const result = await q.query<{ id: string; goal_event_id: number }>(
    `WITH hit AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::bigint[])
         AS t(journey_id, user_id, event_id, event, occurred_at, within_ms)
     ),
     first_hit AS (
       SELECT DISTINCT ON (r.id) r.id, h.event_id, h.event, h.occurred_at
         FROM hit h
         JOIN journey_runs r
           ON r.user_id = h.user_id AND r.journey_id = h.journey_id
          AND r.created_at >= h.occurred_at - make_interval(secs => h.within_ms / 1000.0)
        WHERE r.converted_at IS NULL AND h.event_id > coalesce(r.trigger_event_id, 0)
        ORDER BY r.id, h.event_id
     )
     UPDATE journey_runs r
        SET converted_at = f.occurred_at, goal_event_id = f.event_id, goal_event = f.event, updated_at = $7
       FROM first_hit f
      WHERE r.id = f.id AND r.converted_at IS NULL
      RETURNING r.id, r.goal_event_id`,
    [
      hits.map((h) => h.journeyId),
      hits.map((h) => h.userId),
      hits.map((h) => h.eventId),
      hits.map((h) => h.event),
      hits.map((h) => h.occurredAt.toISOString()),
      hits.map((h) => h.withinMs),
      at.toISOString(),
    ],
  );
  return result.rows.map((row) => ({ id: row.id, eventId: row.goal_event_id }));
}
