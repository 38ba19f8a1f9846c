import type { Logger } from "../lib/logger.js";
import type { HogsendMetrics } from "../metrics/hogsend-metrics.js";
import type { RedisClient } from "../redis/redis-client.js";
import { takeRedisTokens } from "../redis/redis-token-bucket.js";
import { createRateLimiter } from "./rate-limiter.js";

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** A rate limit shared by every api replica through Redis, or per process without it (or while it is down). */
export interface SharedRateLimiter {
  take(key: string, cost: number): Promise<RateDecision>;
}

/** How long a limit decision may wait on Redis before this process decides alone. */
const REDIS_DECISION_TIMEOUT_MS = 250;

/** The limiters' metrics, from the process's catalog (metrics/hogsend-metrics.ts). */
export type RateLimitMetrics = HogsendMetrics["rateLimits"];

/**
 * A token bucket per key: in Redis when a client is given (every replica takes from the same bucket), and in this
 * process otherwise. When Redis fails or is slow, the decision falls back to this process's own bucket at the
 * same rate: the limit still holds, per replica, and no request waits on or fails because of Redis. The outage is
 * logged once and shown by `hogsend_rate_limit_fallback`; the first decision Redis answers again ends it.
 */
export function createSharedRateLimiter(options: {
  name: string;
  ratePerSecond: number;
  burst: number;
  redis?: RedisClient | undefined;
  logger: Logger;
  metrics?: RateLimitMetrics | undefined;
}): SharedRateLimiter {
  const local = createRateLimiter({ ratePerSecond: options.ratePerSecond, burst: options.burst });
  const redis = options.redis;
  const labels = { limiter: options.name };
  // Every limiter shows up at 0 from the start, so a dashboard sees "not falling back" rather than no data.
  options.metrics?.fallback.set(labels, 0);
  options.metrics?.fallbackDecisions.inc(labels, 0);
  if (!redis || options.ratePerSecond <= 0) return { take: async (key, cost) => local.take(key, cost) };
  let degraded = false;
  const fallBack = (key: string, cost: number, reason: string): RateDecision => {
    if (!degraded) {
      degraded = true;
      options.logger.warn(
        { limiter: options.name, reason },
        "rate limit: redis unreachable, limiting per process until it returns",
      );
      options.metrics?.fallback.set(labels, 1);
    }
    options.metrics?.fallbackDecisions.inc(labels);
    return local.take(key, cost);
  };
  return {
    async take(key, cost) {
      if (redis.status !== "ready") return fallBack(key, cost, `connection ${redis.status}`);
      let timer: NodeJS.Timeout | undefined;
      try {
        const decision = await Promise.race([
          takeRedisTokens(redis, `hogsend:rate:${options.name}:${key}`, {
            ratePerSecond: options.ratePerSecond,
            burst: options.burst,
            cost,
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("redis took too long")), REDIS_DECISION_TIMEOUT_MS);
          }),
        ]);
        if (degraded) {
          degraded = false;
          options.logger.info({ limiter: options.name }, "rate limit: shared through redis again");
          options.metrics?.fallback.set(labels, 0);
        }
        return decision;
      } catch (error) {
        return fallBack(key, cost, String((error as Error)?.message ?? error));
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
