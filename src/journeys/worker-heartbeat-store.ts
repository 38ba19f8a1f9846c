import type { Queryable } from "../db/database.js";

/** A worker process as it last reported itself (table `worker_heartbeats`, migration 0085). */
export interface WorkerHeartbeat {
  workerId: string;
  host: string;
  pid: number;
  /** What the process runs: `hogsend@<version>`. */
  engine: string;
  startedAt: Date;
  lastSeenAt: Date;
}

interface HeartbeatRow {
  worker_id: string;
  host: string;
  pid: number;
  engine: string;
  started_at: Date;
  last_seen_at: Date;
}

export async function recordHeartbeat(db: Queryable, beat: WorkerHeartbeat): Promise<void> {
  await db.query(
    `INSERT INTO worker_heartbeats (worker_id, host, pid, engine, started_at, last_seen_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at`,
    [beat.workerId, beat.host, beat.pid, beat.engine, beat.startedAt, beat.lastSeenAt],
  );
}

export async function deleteHeartbeat(db: Queryable, workerId: string): Promise<void> {
  await db.query("DELETE FROM worker_heartbeats WHERE worker_id = $1", [workerId]);
}

/** Deletes rows last seen before `before`; returns how many. */
export async function pruneHeartbeats(db: Queryable, before: Date): Promise<number> {
  const result = await db.query("DELETE FROM worker_heartbeats WHERE last_seen_at < $1", [before]);
  return result.rowCount ?? 0;
}

/** Every worker row, the most recently seen first (a handful of rows: one per worker process). */
export async function listHeartbeats(db: Queryable): Promise<WorkerHeartbeat[]> {
  const { rows } = await db.query<HeartbeatRow>(
    `SELECT worker_id, host, pid, engine, started_at, last_seen_at FROM worker_heartbeats
     ORDER BY last_seen_at DESC, worker_id LIMIT 1000`,
  );
  return rows.map((row) => ({
    workerId: row.worker_id,
    host: row.host,
    pid: row.pid,
    engine: row.engine,
    startedAt: row.started_at,
    lastSeenAt: row.last_seen_at,
  }));
}
