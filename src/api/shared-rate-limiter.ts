import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "../lib/logger.js";
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

export interface RateLimitMetrics {
  fallback: Gauge<"limiter">;
  fallbackDecisions: Counter<"limiter">;
}

/** The limiters' metrics on a registry, registered once however many APIs are built on it. */
export function rateLimitMetrics(registry: Registry): RateLimitMetrics {
  const existing = registry.getSingleMetric("hogsend_rate_limit_fallback") as Gauge<"limiter"> | undefined;
  if (existing) {
    return {
      fallback: existing,
      fallbackDecisions: registry.getSingleMetric(
        "hogsend_rate_limit_fallback_decisions_total",
      ) as Counter<"limiter">,
    };
  }
  return {
    fallback: new Gauge({
      name: "hogsend_rate_limit_fallback",
      help: "1 while this process limits on its own because Redis is unreachable (REDIS_URL set), else 0",
      labelNames: ["limiter"],
      registers: [registry],
    }),
    fallbackDecisions: new Counter({
      name: "hogsend_rate_limit_fallback_decisions_total",
      help: "Rate limit decisions this process made alone because Redis was unreachable",
      labelNames: ["limiter"],
      registers: [registry],
    }),
  };
}

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
  if (!redis || options.ratePerSecond <= 0) return { take: async (key, cost) => local.take(key, cost) };
  const labels = { limiter: options.name };
  options.metrics?.fallback.set(labels, 0);
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
