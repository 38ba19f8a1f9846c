import type { Logger } from "../lib/logger.js";
import type { HogsendMetrics } from "./hogsend-metrics.js";

/** At most one pass over the database gauges per this interval per process, however often it is scraped. */
export const SAMPLE_INTERVAL_MS = 10_000;
/** A scrape waits this long for a pass in progress, then answers with the last values. */
const SCRAPE_WAIT_MS = 2_000;

export interface MetricsSampler {
  /** The exposition text: refreshes the database gauges first when they are older than the interval. */
  exposition(): Promise<string>;
  readonly contentType: string;
}

/**
 * Fills the gauges that need the database when a scrape finds them older than `intervalMs`: never per request,
 * at most one pass per interval per process (scrapes in between get the last values), and nothing at all while
 * nobody scrapes. A pass that fails (an outage) keeps the last values and counts
 * `hogsend_metrics_sample_failures_total`; `hogsend_metrics_sample_timestamp_seconds` then stays behind, which is
 * what says the gauges are stale. A slow pass does not hold a scrape past two seconds.
 */
export function createMetricsSampler(options: {
  metrics: HogsendMetrics;
  logger: Logger;
  sample: () => Promise<void>;
  intervalMs?: number;
}): MetricsSampler {
  const { metrics } = options;
  const intervalMs = options.intervalMs ?? SAMPLE_INTERVAL_MS;
  let lastStarted = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | undefined;
  const refresh = (): Promise<void> | undefined => {
    if (!running && Date.now() - lastStarted >= intervalMs) {
      lastStarted = Date.now();
      running = options
        .sample()
        .then(() => metrics.sampler.lastSuccess.set(Date.now() / 1000))
        .catch((error: unknown) => {
          metrics.sampler.failures.inc();
          options.logger.debug(
            { err: error },
            "sampling the database gauges failed; keeping the last values",
          );
        })
        .finally(() => {
          running = undefined;
        });
    }
    return running;
  };
  return {
    contentType: metrics.registry.contentType,
    async exposition() {
      const pass = refresh();
      if (pass) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([pass, new Promise((resolve) => (timer = setTimeout(resolve, SCRAPE_WAIT_MS)))]);
        clearTimeout(timer);
      }
      return metrics.registry.metrics();
    },
  };
}
