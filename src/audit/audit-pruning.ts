import type { Queryable } from "../db/database.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { type RetentionLoop, startRetentionLoop } from "../lib/retention-loop.js";
import { pruneAuditLog } from "./audit-store.js";

/**
 * The audit log's retention loop, run by every worker (hourly, first run at once): deletes entries older than
 * `retentionDays`. Concurrent workers only delete the same rows. With retentionDays undefined it keeps everything.
 */
export function startAuditPruning(options: {
  db: Queryable;
  clock: Clock;
  logger: Logger;
  retentionDays: number | undefined;
  intervalMs?: number;
}): RetentionLoop {
  return startRetentionLoop({
    what: "audit entries",
    clock: options.clock,
    logger: options.logger,
    retentionDays: options.retentionDays,
    intervalMs: options.intervalMs,
    prune: (olderThan) => pruneAuditLog(options.db, olderThan),
  });
}
