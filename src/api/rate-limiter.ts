/**
 * In-memory token buckets, one per key. Per process: with N api replicas a key gets up to N times the rate,
 * which is the price of keeping the ingest hot path free of a shared store.
 */
export interface RateLimiter {
  /** Takes `cost` tokens; when the bucket is short, nothing is taken and the wait until it refills is returned. */
  take(key: string, cost: number): { ok: true } | { ok: false; retryAfterSeconds: number };
}

export function createRateLimiter(options: {
  ratePerSecond: number;
  burst: number;
  now?: () => number;
}): RateLimiter {
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  const capacity = Math.max(options.burst, 1);
  return {
    take(key, cost) {
      if (options.ratePerSecond <= 0) return { ok: true };
      const t = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        // Keys are API key ids, so the map stays small; the cap only guards against a bug feeding it junk.
        if (buckets.size > 100_000) buckets.clear();
        bucket = { tokens: capacity, at: t };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 1000) * options.ratePerSecond);
      bucket.at = t;
      // A request larger than the whole bucket could never pass; let it through once the bucket is full.
      const needed = Math.min(cost, capacity);
      if (bucket.tokens >= needed) {
        bucket.tokens -= needed;
        return { ok: true };
      }
      const waitSeconds = (needed - bucket.tokens) / options.ratePerSecond;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
    },
  };
}
