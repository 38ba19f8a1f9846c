import type { Queryable } from "../../db/database.js";

/**
 * Studio's email counters (email_counters + email_counter_deltas, migration 0067): hourly counts by category and
 * metric, kept by statement triggers on messages and message_events, folded by the worker, read with the
 * unfolded deltas added so they are exact.
 */

export interface EmailCounterRow {
  hour: Date;
  category: string;
  metric: string;
  count: number;
}

const FOLD_LOCK = 7_106_002;

/** Moves pending deltas into the totals; returns how many delta rows (0 when another worker is folding). */
export async function foldEmailCounters(q: Queryable): Promise<number> {
  const result = await q.query<{ folded: string }>(
    `WITH locked AS (SELECT pg_try_advisory_xact_lock($1) AS ok),
     moved AS (
       DELETE FROM email_counter_deltas WHERE (SELECT ok FROM locked) RETURNING hour, category, metric, delta
     ),
     folded AS (
       INSERT INTO email_counters (hour, category, metric, count)
       SELECT hour, category, metric, sum(delta) FROM moved
        GROUP BY hour, category, metric ORDER BY hour, category, metric
       ON CONFLICT (hour, category, metric) DO UPDATE SET count = email_counters.count + excluded.count
     )
     SELECT count(*)::text AS folded FROM moved`,
    [FOLD_LOCK],
  );
  return Number(result.rows[0]?.folded ?? 0);
}

/** Hourly counters from `since` (inclusive, truncated to its hour) on. */
export async function readEmailCounters(q: Queryable, since: Date): Promise<EmailCounterRow[]> {
  const result = await q.query<{ hour: Date; category: string; metric: string; count: string }>(
    `SELECT hour, category, metric, sum(n)::text AS count FROM (
       SELECT hour, category, metric, count AS n FROM email_counters WHERE hour >= date_trunc('hour', $1::timestamptz, 'UTC')
       UNION ALL
       SELECT hour, category, metric, delta FROM email_counter_deltas WHERE hour >= date_trunc('hour', $1::timestamptz, 'UTC')
     ) c GROUP BY hour, category, metric`,
    [since.toISOString()],
  );
  return result.rows
    .map((row) => ({ hour: row.hour, category: row.category, metric: row.metric, count: Number(row.count) }))
    .filter((row) => row.count !== 0);
}
