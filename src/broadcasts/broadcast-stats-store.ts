import type { Queryable } from "../db/database.js";

/**
 * The owner of `broadcast_stats` and `broadcast_stat_deltas` (migration 0120): per-broadcast counters. Deltas
 * come from the broadcast loop (recipients, queued, skipped, waiting) and from triggers on the outbox (sent,
 * failed, suppressed, skipped at delivery), on message events (delivered, opened, clicked, bounced, complained)
 * and on unsubscribes (unsubscribed); the loop folds them; a read adds the unfolded ones, so it is exact and costs
 * a few rows whatever the broadcast's size.
 */

export const BROADCAST_METRICS = [
  "recipients",
  "queued",
  "skipped",
  "waiting",
  "sent",
  "failed",
  "suppressed",
  "delivered",
  "opened",
  "clicked",
  "bounced",
  "complained",
  "unsubscribed",
] as const;
export type BroadcastMetric = (typeof BROADCAST_METRICS)[number];
export type BroadcastStats = Record<BroadcastMetric, number>;

export async function addStatDeltas(
  q: Queryable,
  broadcastId: string,
  deltas: Partial<Record<BroadcastMetric, number>>,
): Promise<void> {
  const entries = Object.entries(deltas).filter(([, n]) => n !== 0 && n !== undefined);
  if (entries.length === 0) return;
  await q.query(
    `INSERT INTO broadcast_stat_deltas (broadcast_id, metric, delta)
     SELECT $1, metric, delta FROM unnest($2::text[], $3::bigint[]) AS t(metric, delta)`,
    [broadcastId, entries.map(([metric]) => metric), entries.map(([, n]) => n)],
  );
}

/** The counters of each broadcast (zero for what never happened). */
export async function readBroadcastStats(
  q: Queryable,
  ids: readonly string[],
): Promise<Map<string, BroadcastStats>> {
  const stats = new Map<string, BroadcastStats>();
  for (const id of ids) stats.set(id, emptyStats());
  if (ids.length === 0) return stats;
  const result = await q.query<{ broadcast_id: string; metric: string; n: string }>(
    `SELECT broadcast_id, metric, sum(n)::text AS n FROM (
       SELECT broadcast_id, metric, count AS n FROM broadcast_stats WHERE broadcast_id = ANY($1::uuid[])
       UNION ALL
       SELECT broadcast_id, metric, delta FROM broadcast_stat_deltas WHERE broadcast_id = ANY($1::uuid[])
     ) s GROUP BY broadcast_id, metric`,
    [ids],
  );
  for (const row of result.rows) {
    const entry = stats.get(row.broadcast_id);
    if (entry && (BROADCAST_METRICS as readonly string[]).includes(row.metric)) {
      entry[row.metric as BroadcastMetric] = Number(row.n);
    }
  }
  return stats;
}

const FOLD_LOCK = 7_106_120;

/** Moves pending deltas into the totals; one folder at a time (others return 0). */
export async function foldBroadcastStats(q: Queryable): Promise<number> {
  const result = await q.query<{ folded: string }>(
    `WITH locked AS (SELECT pg_try_advisory_xact_lock($1) AS ok),
     moved AS (
       DELETE FROM broadcast_stat_deltas WHERE (SELECT ok FROM locked) RETURNING broadcast_id, metric, delta),
     folded AS (
       INSERT INTO broadcast_stats (broadcast_id, metric, count)
       SELECT broadcast_id, metric, sum(delta) FROM moved GROUP BY broadcast_id, metric
        ORDER BY broadcast_id, metric
       ON CONFLICT (broadcast_id, metric) DO UPDATE SET count = broadcast_stats.count + excluded.count)
     SELECT count(*)::text AS folded FROM moved`,
    [FOLD_LOCK],
  );
  return Number(result.rows[0]?.folded ?? 0);
}

function emptyStats(): BroadcastStats {
  return Object.fromEntries(BROADCAST_METRICS.map((metric) => [metric, 0])) as BroadcastStats;
}
