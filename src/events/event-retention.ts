import type { Queryable } from "../db/database.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { startRetentionLoop } from "../lib/retention-loop.js";
import { pruneEvents } from "./event-store.js";

export interface EventPruning {
  stop(): Promise<void>;
}

/**
 * The retention loop a worker runs: every `intervalMs` (default hourly, first run at once) deletes events that
 * occurred more than `retentionDays` ago. Several workers may run it at once; they only delete the same rows.
 * Wire it in the worker with `startEventPruning({ db, clock, logger, retentionDays: config.eventRetentionDays })`;
 * with retentionDays undefined it does nothing.
 */
export function startEventPruning(options: {
  db: Queryable;
  clock: Clock;
  logger: Logger;
  retentionDays: number | undefined;
  intervalMs?: number;
}): EventPruning {
  return startRetentionLoop({
    what: "events",
    clock: options.clock,
    logger: options.logger,
    retentionDays: options.retentionDays,
    intervalMs: options.intervalMs,
    prune: (olderThan) => pruneEvents(options.db, { olderThan }),
  });
}
