import type { Queryable } from "../db/database.js";

export const PARTITION_COUNT = 16;

/**
 * Renews this worker's heartbeat and partition leases, then moves toward a fair share (ceil(16 / live workers)):
 * gives back extras, takes free or expired ones. Called between routing batches, so a partition is never handed
 * over while this worker is routing it. Returns the partitions this worker now owns.
 */
export async function rebalancePartitions(
  q: Queryable,
  params: { owner: string; now: Date; leaseMs: number },
): Promise<number[]> {
  const now = params.now.toISOString();
  const expires = new Date(params.now.getTime() + params.leaseMs).toISOString();
  await q.query(
    `INSERT INTO journey_workers (id, seen_at) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at`,
    [params.owner, now],
  );
  // Workers that vanished without a graceful stop leave their row; forget them after a while.
  await q.query("DELETE FROM journey_workers WHERE seen_at < $1", [
    new Date(params.now.getTime() - Math.max(10 * params.leaseMs, 3_600_000)).toISOString(),
  ]);
  const live = await q.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM journey_workers WHERE seen_at > $1 OR id = $2",
    [new Date(params.now.getTime() - params.leaseMs).toISOString(), params.owner],
  );
  const target = Math.ceil(PARTITION_COUNT / Math.max(1, live.rows[0]?.n ?? 1));
  const mine = await q.query<{ partition: number }>(
    `UPDATE routing_partitions SET lease_expires_at = $2 WHERE lease_owner = $1 RETURNING partition`,
    [params.owner, expires],
  );
  let owned = mine.rows.map((row) => row.partition).sort((a, b) => a - b);
  if (owned.length > target) {
    const extras = owned.slice(target);
    await q.query(
      `UPDATE routing_partitions SET lease_owner = NULL, lease_expires_at = NULL
        WHERE partition = ANY($1::smallint[]) AND lease_owner = $2`,
      [extras, params.owner],
    );
    owned = owned.slice(0, target);
  } else if (owned.length < target) {
    const taken = await q.query<{ partition: number }>(
      `UPDATE routing_partitions SET lease_owner = $1, lease_expires_at = $3
        WHERE partition IN (SELECT partition FROM routing_partitions
                             WHERE lease_owner IS NULL OR lease_expires_at < $2
                             ORDER BY partition LIMIT $4 FOR UPDATE SKIP LOCKED)
        RETURNING partition`,
      [params.owner, now, expires, target - owned.length],
    );
    owned = [...owned, ...taken.rows.map((row) => row.partition)].sort((a, b) => a - b);
  }
  return owned;
}

/** On shutdown: frees this worker's partitions for the others at once instead of after the lease. */
export async function releasePartitions(q: Queryable, owner: string): Promise<void> {
  await q.query(
    "UPDATE routing_partitions SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1",
    [owner],
  );
  await q.query("DELETE FROM journey_workers WHERE id = $1", [owner]);
}
