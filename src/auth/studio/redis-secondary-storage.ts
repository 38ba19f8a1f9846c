import type { SecondaryStorage } from "better-auth";
import type { Logger } from "../../lib/logger.js";
import type { RedisClient } from "../../redis/redis-client.js";

export const STUDIO_REDIS_PREFIX = "hogsend:auth:";

export interface RedisSecondaryStorageOptions {
  redis: RedisClient;
  logger: Logger;
  /** Where counters go while Redis is unreachable (Postgres), so rate limits hold through an outage. */
  fallbackIncrement: (key: string, ttlSeconds: number) => Promise<number>;
  prefix?: string;
}

// SET NX gives the key its TTL only when it is created; INCR keeps an existing TTL. One round trip, atomic.
const INCREMENT = `
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
return redis.call('INCR', KEYS[1])`;

/**
 * Better Auth's `secondaryStorage` (the whole 1.7 contract: get, set with TTL, delete, getAndDelete, increment)
 * on Redis. Redis is a cache here, never the only copy: sessions are also stored in Postgres
 * (`storeSessionInDatabase`), so while Redis is unreachable a read is a miss (Better Auth reads the session from
 * Postgres), a write or delete is dropped, and `increment` counts in Postgres instead. Because a dropped delete
 * (sign-out, a ban revoking sessions) could otherwise leave a revoked session in the cache, this process
 * empties its keys under the prefix the moment Redis is reachable again after it was not.
 */
export function createRedisSecondaryStorage(options: RedisSecondaryStorageOptions): SecondaryStorage & {
  /** Resolves when a pending post-outage flush has finished (tests). */
  settled(): Promise<void>;
} {
  const { redis, logger } = options;
  const prefix = options.prefix ?? STUDIO_REDIS_PREFIX;
  let unreachable = redis.status !== "ready";
  let flushing: Promise<void> = Promise.resolve();

  const degraded = (operation: string, error: unknown) => {
    if (!unreachable) {
      logger.warn(
        { err: (error as Error)?.message, operation },
        "studio sessions: redis unreachable, using Postgres until it returns",
      );
    }
    unreachable = true;
  };
  const flush = async () => {
    let cursor = "0";
    let removed = 0;
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) removed += await redis.unlink(...keys);
    } while (cursor !== "0");
    logger.info({ removed }, "studio sessions: redis reachable again; emptied its session cache");
  };
  redis.on("ready", () => {
    if (!unreachable) return;
    flushing = flush()
      .then(() => {
        unreachable = false;
      })
      .catch((error) => degraded("flush", error));
  });

  return {
    async get(key) {
      try {
        return await redis.get(prefix + key);
      } catch (error) {
        degraded("get", error);
        return null;
      }
    },
    async set(key, value, ttl) {
      try {
        if (ttl !== undefined && ttl > 0) await redis.set(prefix + key, value, "EX", Math.ceil(ttl));
        else await redis.set(prefix + key, value);
      } catch (error) {
        degraded("set", error);
      }
    },
    async delete(key) {
      try {
        await redis.del(prefix + key);
      } catch (error) {
        degraded("delete", error);
      }
    },
    async getAndDelete(key) {
      try {
        return await redis.getdel(prefix + key);
      } catch (error) {
        degraded("getAndDelete", error);
        return null;
      }
    },
    async increment(key, ttl) {
      try {
        const count = await redis.eval(INCREMENT, 1, prefix + key, Math.max(1, Math.ceil(ttl)));
        return Number(count);
      } catch (error) {
        degraded("increment", error);
        return options.fallbackIncrement(key, ttl);
      }
    },
    settled: () => flushing,
  };
}
