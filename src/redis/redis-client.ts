import { Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";

export type RedisClient = Redis;

/**
 * A Redis connection for the optional, cross-replica parts (shared rate limits, shared caches, Studio sessions).
 * Commands fail fast while Redis is unreachable (no offline queue, one attempt per request) so callers can fall
 * back to their per-process behaviour at once instead of stalling a request behind a reconnect loop; the client
 * keeps reconnecting in the background with a capped backoff.
 */
export function createRedisClient(url: string, logger: Logger): RedisClient {
  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let down = false;
  client.on("error", (error: Error) => {
    if (down) return;
    down = true;
    logger.warn(
      { err: error.message },
      "redis unreachable; falling back to per-process behaviour until it returns",
    );
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info("redis reachable again");
  });
  return client;
}

/**
 * Resolves true once the client is ready, or false after `timeoutMs` (Redis down at boot is a degraded start, not
 * a failed one: callers fall back until it is reachable).
 */
export function whenRedisReady(client: RedisClient, timeoutMs = 2_000): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once("ready", onReady);
  });
}
