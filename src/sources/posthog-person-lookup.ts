import type { Counter } from "prom-client";
import type { Logger } from "../lib/logger.js";
import { LruCache } from "../lib/lru-cache.js";
import type { PERSON_LOOKUP_OUTCOMES } from "../metrics/hogsend-metrics.js";
import type { RedisClient } from "../redis/redis-client.js";

export interface PostHogPersonLookupOptions {
  /** A personal API key (phx_…) with `person:read`, sent as a Bearer token. */
  personalApiKey: string;
  projectId: string;
  /** PostHog's private API host (https://us.posthog.com, https://eu.posthog.com, or self-hosted). */
  apiHost: string;
  /** How long a person's properties are reused (an answer of "no such person" too). */
  ttlMs: number;
  /** The most one `lookup` call waits for PostHog, however many users it asks for. */
  timeoutMs: number;
  /** The process's shared Redis (REDIS_URL), read when called; undefined: the in-process cache alone. */
  redis: () => RedisClient | undefined;
  logger: Logger;
  /** `hogsend_person_lookups_total{outcome}`. */
  counter?: Counter<"outcome"> | undefined;
  /** In-process cache bound (default 10,000 users). */
  maxEntries?: number;
  /** Requests in flight per lookup (default 4: PostHog's persons API allows ~240 a minute per team). */
  concurrency?: number;
}

export type PersonLookupOutcome = (typeof PERSON_LOOKUP_OUTCOMES)[number];

interface CachedPerson {
  /** When PostHog answered (epoch ms): entries expire `ttlMs` after it wherever they are copied. */
  at: number;
  properties: Record<string, unknown>;
}

// A Redis that does not answer within this is treated as down for the call (ioredis already fails fast when it is
// disconnected; this covers a connected but stalled server).
const REDIS_WAIT_MS = 250;
// After a 429 without Retry-After, or a 5xx/timeout/network error, no calls for this long (answers: missing).
const RATE_LIMIT_PAUSE_MS = 60_000;
const FAILURE_PAUSE_MS = 10_000;
const WARN_EVERY_MS = 60_000;

/**
 * The persons lookup behind `meta.personLookup: "posthog"`: `GET {apiHost}/api/projects/{projectId}/persons/
 * ?distinct_id=…` with the personal API key, one call per user that neither cache holds. Cached with a TTL in the
 * process (a bounded LRU) and, when REDIS_URL is set, in Redis, so every worker shares one answer per user; Redis
 * being down only means the in-process cache. A failure never rejects: the user is left out (conditions read the
 * contact alone), counted, logged at most once a minute, and calls pause for a while (longer on a 429, for its
 * Retry-After) so a PostHog outage costs routing at most one timeout per pause.
 */
export function createPostHogPersonLookup(options: PostHogPersonLookupOptions) {
  const local = new LruCache<string, CachedPerson>(options.maxEntries ?? 10_000);
  const concurrency = options.concurrency ?? 4;
  const base = `${options.apiHost.replace(/\/+$/, "")}/api/projects/${encodeURIComponent(options.projectId)}/persons/`;
  const redisKey = (userId: string) => `hogsend:posthog-person:${options.projectId}:${userId}`;
  let pausedUntil = 0;
  let lastWarnAt = 0;
  const count = (outcome: PersonLookupOutcome, n = 1) => {
    if (n > 0) options.counter?.inc({ outcome }, n);
  };
  const warn = (details: Record<string, unknown>, message: string) => {
    if (Date.now() - lastWarnAt < WARN_EVERY_MS) return;
    lastWarnAt = Date.now();
    options.logger.warn(details, message);
  };
  const fresh = (entry: CachedPerson | undefined, now: number) =>
    entry !== undefined && now - entry.at < options.ttlMs ? entry : undefined;

  async function readRedis(userIds: string[]): Promise<Map<string, CachedPerson>> {
    const found = new Map<string, CachedPerson>();
    const redis = options.redis();
    if (redis?.status !== "ready" || userIds.length === 0) return found;
    try {
      const values = await withTimeout(redis.mget(...userIds.map(redisKey)), REDIS_WAIT_MS);
      userIds.forEach((userId, i) => {
        const parsed = parseCached(values[i]);
        if (parsed) found.set(userId, parsed);
      });
    } catch {
      // Redis away: the in-process cache and PostHog answer instead (the client logs the outage once).
    }
    return found;
  }

  function writeRedis(entries: Map<string, CachedPerson>): void {
    const redis = options.redis();
    if (redis?.status !== "ready" || entries.size === 0) return;
    const pipeline = redis.pipeline();
    for (const [userId, entry] of entries) {
      pipeline.set(redisKey(userId), JSON.stringify(entry), "PX", options.ttlMs);
    }
    pipeline.exec().catch(() => {});
  }

  async function fetchPerson(
    userId: string,
    signal: AbortSignal,
  ): Promise<{ outcome: PersonLookupOutcome; properties?: Record<string, unknown> }> {
    try {
      const response = await fetch(`${base}?distinct_id=${encodeURIComponent(userId)}`, {
        headers: { authorization: `Bearer ${options.personalApiKey}`, accept: "application/json" },
        signal,
      });
      if (response.status === 429) {
        const retryAfter = Number(response.headers.get("retry-after"));
        pausedUntil = Date.now() + (retryAfter > 0 ? retryAfter * 1000 : RATE_LIMIT_PAUSE_MS);
        await response.body?.cancel();
        return { outcome: "rate_limited" };
      }
      if (!response.ok) {
        // 401/403/404 are configuration (key, scope, project id) and will not heal by retrying sooner.
        pausedUntil = Date.now() + (response.status >= 500 ? FAILURE_PAUSE_MS : RATE_LIMIT_PAUSE_MS);
        await response.body?.cancel();
        warn(
          { status: response.status },
          "PostHog persons lookup failed; conditions read stored contact properties",
        );
        return { outcome: "failed" };
      }
      const body = (await response.json()) as { results?: Array<{ properties?: unknown }> };
      const properties = body.results?.[0]?.properties;
      if (properties === undefined) return { outcome: "not_found", properties: {} };
      return { outcome: "found", properties: isRecord(properties) ? properties : {} };
    } catch (error) {
      const timedOut = signal.aborted;
      pausedUntil = Date.now() + FAILURE_PAUSE_MS;
      warn(
        { err: error instanceof Error ? error.message : String(error), timedOut },
        "PostHog persons lookup did not answer; conditions read stored contact properties",
      );
      return { outcome: timedOut ? "timeout" : "failed" };
    }
  }

  return {
    async lookup(
      userIds: readonly string[],
    ): Promise<ReadonlyMap<string, Readonly<Record<string, unknown>>>> {
      const result = new Map<string, Record<string, unknown>>();
      const now = Date.now();
      let missing: string[] = [];
      for (const userId of new Set(userIds)) {
        const entry = fresh(local.get(userId), now);
        if (entry) result.set(userId, entry.properties);
        else missing.push(userId);
      }
      const shared = await readRedis(missing);
      for (const [userId, entry] of shared) {
        if (!fresh(entry, now)) continue;
        local.set(userId, entry);
        result.set(userId, entry.properties);
      }
      count("cached", result.size);
      missing = missing.filter((userId) => !result.has(userId));
      if (missing.length === 0) return result;
      if (Date.now() < pausedUntil) {
        count("rate_limited", missing.length);
        return result;
      }

      const signal = AbortSignal.timeout(options.timeoutMs);
      const fetched = new Map<string, CachedPerson>();
      let next = 0;
      const worker = async () => {
        while (next < missing.length && !signal.aborted && Date.now() >= pausedUntil) {
          const userId = missing[next++] as string;
          const answer = await fetchPerson(userId, signal);
          count(answer.outcome);
          if (answer.properties === undefined) continue;
          const entry = { at: Date.now(), properties: answer.properties };
          local.set(userId, entry);
          fetched.set(userId, entry);
          result.set(userId, answer.properties);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, missing.length) }, worker));
      // Users never asked (the deadline or a pause came first) are missing for this batch, not cached.
      const skipped = missing.length - next;
      if (skipped > 0) count(signal.aborted ? "timeout" : "rate_limited", skipped);
      writeRedis(fetched);
      return result;
    },
  };
}

function parseCached(value: string | null | undefined): CachedPerson | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<CachedPerson>;
    return typeof parsed.at === "number" && isRecord(parsed.properties)
      ? { at: parsed.at, properties: parsed.properties }
      : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
