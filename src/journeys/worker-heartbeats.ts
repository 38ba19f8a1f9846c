import os from "node:os";
import { type Database, isConnectionError } from "../db/database.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { deleteHeartbeat, pruneHeartbeats, recordHeartbeat } from "./worker-heartbeat-store.js";

/** How often a worker writes its row. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** A worker not seen for this long is counted as gone (three missed beats). */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_INTERVAL_MS;
/** Rows not seen for this long are deleted, so a killed worker stays visible for a while and then goes. */
export const HEARTBEAT_PRUNE_AFTER_MS = 15 * 60_000;

export interface WorkerHeartbeatLoop {
  readonly workerId: string;
  /** Stops beating and deletes this worker's row (a clean stop is not a dead worker). */
  stop(): Promise<void>;
}

/**
 * Each worker process writes `worker_heartbeats` every `intervalMs` (first beat at once) and prunes rows of
 * workers not seen for `pruneAfterMs`. Written with the injected clock, like every other time the engine keeps.
 * A failed beat is retried at the next interval; an outage is logged by the database, not here.
 */
export function startWorkerHeartbeat(options: {
  db: Database;
  clock: Clock;
  logger: Logger;
  workerId: string;
  engine: string;
  intervalMs?: number;
  pruneAfterMs?: number;
}): WorkerHeartbeatLoop {
  const { db, clock, logger, workerId } = options;
  const intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
  const pruneAfterMs = options.pruneAfterMs ?? HEARTBEAT_PRUNE_AFTER_MS;
  const startedAt = clock.now();
  let running: Promise<void> | undefined;
  let stopped = false;
  const beat = () => {
    if (running || stopped) return;
    const now = clock.now();
    running = recordHeartbeat(db, {
      workerId,
      host: os.hostname(),
      pid: process.pid,
      engine: options.engine,
      startedAt,
      lastSeenAt: now,
    })
      .then(() => pruneHeartbeats(db, new Date(now.getTime() - pruneAfterMs)))
      .then(() => undefined)
      .catch((error: unknown) => {
        if (!isConnectionError(error)) logger.warn({ err: error }, "writing the worker heartbeat failed");
      })
      .finally(() => {
        running = undefined;
      });
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return {
    workerId,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await deleteHeartbeat(db, workerId).catch(() => {});
    },
  };
}
