import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";

export interface RetentionLoop {
  stop(): Promise<void>;
}

/**
 * A worker's retention loop: every `intervalMs` (default hourly, first run at once) `prune(olderThan)` deletes what
 * is older than `retentionDays`, one pass at a time. Several workers may run it at once; they only delete the same
 * rows. With retentionDays undefined it does nothing. `what` names the rows in its log lines.
 */
export function startRetentionLoop(options: {
  what: string;
  clock: Clock;
  logger: Logger;
  retentionDays: number | undefined;
  intervalMs?: number | undefined;
  prune: (olderThan: Date) => Promise<number>;
}): RetentionLoop {
  const retentionDays = options.retentionDays;
  if (retentionDays === undefined) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    const olderThan = new Date(options.clock.now().getTime() - retentionDays * 86_400_000);
    running = options
      .prune(olderThan)
      .then((deleted) => {
        if (deleted > 0) options.logger.info({ deleted, olderThan }, `pruned ${options.what} past retention`);
      })
      .catch((error) =>
        options.logger.warn({ err: error }, `${options.what} pruning failed; retrying next interval`),
      )
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
