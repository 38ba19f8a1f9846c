import type { Queryable } from "../db/database.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
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
}): { stop(): Promise<void> } {
  const retentionDays = options.retentionDays;
  if (retentionDays === undefined) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    const olderThan = new Date(options.clock.now().getTime() - retentionDays * 86_400_000);
    running = pruneAuditLog(options.db, olderThan)
      .then((deleted) => {
        if (deleted > 0) options.logger.info({ deleted, olderThan }, "pruned audit entries past retention");
      })
      .catch((error) => options.logger.warn({ err: error }, "audit pruning failed; retrying next interval"))
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 3_600_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
