import type { Queryable } from "../db/database.js";

/**
 * Studio's journey counters (journey_counters + journey_counter_deltas, migration 0066): kept by statement
 * triggers as runs move, folded by the worker, read with the unfolded deltas added so they are exact.
 */

export interface JourneyCounterRow {
  journeyId: string;
  counter: string;
  key: string;
  /** null for all-time counters (status, at, reached). */
  day: string | null;
  count: number;
}

/** A fold takes this lock so two workers never upsert the same counter rows in different orders. */
const FOLD_LOCK = 7_106_001;

/**
 * Moves the pending deltas into the totals, in one transaction-sized statement. Returns how many delta rows it
 * folded (0 when another worker is folding right now).
 */
export async function foldJourneyCounters(q: Queryable): Promise<number> {
  const result = await q.query<{ folded: string }>(
    `WITH locked AS (SELECT pg_try_advisory_xact_lock($1) AS ok),
     moved AS (
       DELETE FROM journey_counter_deltas WHERE (SELECT ok FROM locked)
       RETURNING journey_id, counter, key, day, delta
     ),
     folded AS (
       INSERT INTO journey_counters (journey_id, counter, key, day, count)
       SELECT journey_id, counter, key, day, sum(delta) FROM moved
        GROUP BY journey_id, counter, key, day ORDER BY journey_id, counter, key, day
       ON CONFLICT (journey_id, counter, key, day) DO UPDATE SET count = journey_counters.count + excluded.count
     )
     SELECT count(*)::text AS folded FROM moved`,
    [FOLD_LOCK],
  );
  return Number(result.rows[0]?.folded ?? 0);
}

/**
 * Counters of some kinds, for one journey or all, all-time ones plus daily ones since `sinceDay` (UTC, inclusive).
 */
export async function readJourneyCounters(
  q: Queryable,
  params: { counters: readonly string[]; journeyId?: string | undefined; sinceDay?: string | undefined },
): Promise<JourneyCounterRow[]> {
  const result = await q.query<{
    journey_id: string;
    counter: string;
    key: string;
    day: string | null;
    count: string;
  }>(
    `SELECT journey_id, counter, key, CASE WHEN day = '-infinity' THEN NULL ELSE day::text END AS day,
            sum(n)::text AS count
       FROM (
         SELECT journey_id, counter, key, day, count AS n FROM journey_counters
          WHERE counter = ANY($1::text[]) AND ($2::text IS NULL OR journey_id = $2)
            AND (day = '-infinity' OR day >= $3::date)
         UNION ALL
         SELECT journey_id, counter, key, day, delta FROM journey_counter_deltas
          WHERE counter = ANY($1::text[]) AND ($2::text IS NULL OR journey_id = $2)
            AND (day = '-infinity' OR day >= $3::date)
       ) c
      GROUP BY journey_id, counter, key, day`,
    [params.counters, params.journeyId ?? null, params.sinceDay ?? "-infinity"],
  );
  return result.rows
    .map((row) => ({
      journeyId: row.journey_id,
      counter: row.counter,
      key: row.key,
      day: row.day,
      count: Number(row.count),
    }))
    .filter((row) => row.count !== 0);
}
