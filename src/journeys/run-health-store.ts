import type { Queryable } from "../db/database.js";

/** What the alert rules read about journey runs. */
export interface RunHealth {
  /** Runs that failed in the window. */
  failed: number;
  /**
   * Runs due longer than the stranded threshold that no worker holds (no lease, or an expired one): with workers
   * running these are claimed within a poll interval, so any at all means no worker is executing.
   */
  stranded: number;
  /** When the oldest stranded run became due, or null. */
  oldestStrandedDueAt: Date | null;
}

export async function readRunHealth(
  q: Queryable,
  params: { from: Date; now: Date; strandedBefore: Date },
): Promise<RunHealth> {
  const result = await q.query<{ failed: number; stranded: number; oldest: Date | null }>(
    `SELECT
       (SELECT count(*)::int FROM journey_runs WHERE status = 'failed' AND updated_at >= $1 AND updated_at <= $2) AS failed,
       s.stranded, s.oldest
       FROM (SELECT count(*)::int AS stranded, min(due_at) AS oldest FROM journey_runs
              WHERE status IN ('active', 'waiting') AND due_at <= $3
                AND (lease_expires_at IS NULL OR lease_expires_at < $2)) s`,
    [params.from.toISOString(), params.now.toISOString(), params.strandedBefore.toISOString()],
  );
  const row = result.rows[0];
  return { failed: row?.failed ?? 0, stranded: row?.stranded ?? 0, oldestStrandedDueAt: row?.oldest ?? null };
}
