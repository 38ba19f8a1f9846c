import type { Queryable } from "../db/database.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
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
  const retentionDays = options.retentionDays;
  if (retentionDays === undefined) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    const olderThan = new Date(options.clock.now().getTime() - retentionDays * 86_400_000);
    running = pruneEvents(options.db, { olderThan })
      .then((deleted) => {
        if (deleted > 0) options.logger.info({ deleted, olderThan }, "pruned events past retention");
      })
      .catch((error) => options.logger.warn({ err: error }, "event pruning failed; retrying next interval"))
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
