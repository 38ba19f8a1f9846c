import type { Queryable } from "../../db/database.js";

/**
 * The owner of `studio_rate_limits`: fixed-window counters for Studio sign-in (per IP and per account), kept in
 * Postgres when Redis is not configured and when it is unreachable. One statement per hit, so two api processes
 * counting the same key at once never lose an increment.
 */
export async function incrementRateLimit(
  q: Queryable,
  key: string,
  windowSeconds: number,
): Promise<{ count: number; retryAfterSeconds: number }> {
  const result = await q.query<{ count: number; retry_after: number }>(
    `INSERT INTO studio_rate_limits AS r (key, count, window_started_at)
     VALUES ($1, 1, now())
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN r.window_started_at <= now() - make_interval(secs => $2) THEN 1 ELSE r.count + 1 END,
       window_started_at = CASE WHEN r.window_started_at <= now() - make_interval(secs => $2)
                                THEN now() ELSE r.window_started_at END
     RETURNING count,
       greatest(1, ceil(extract(epoch FROM window_started_at + make_interval(secs => $2) - now())))::int
         AS retry_after`,
    [key, windowSeconds],
  );
  const row = result.rows[0];
  return { count: row?.count ?? 1, retryAfterSeconds: row?.retry_after ?? windowSeconds };
}

/** Drops counters whose window ended more than `olderThanSeconds` ago (called now and then by sign-in). */
export async function pruneRateLimits(q: Queryable, olderThanSeconds: number): Promise<void> {
  await q.query(
    "DELETE FROM studio_rate_limits WHERE window_started_at < now() - make_interval(secs => $1)",
    [olderThanSeconds],
  );
}

/** The count in `key`'s current window (0 when it has none or it ended). */
export async function readRateLimit(q: Queryable, key: string, windowSeconds: number): Promise<number> {
  const result = await q.query<{ count: number }>(
    `SELECT count FROM studio_rate_limits
     WHERE key = $1 AND window_started_at > now() - make_interval(secs => $2)`,
    [key, windowSeconds],
  );
  return result.rows[0]?.count ?? 0;
}
