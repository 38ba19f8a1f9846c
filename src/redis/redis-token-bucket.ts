import type { RedisClient } from "./redis-client.js";

// GCRA (the generic cell rate algorithm): a token bucket stored as one number per key, the "theoretical arrival
// time" (TAT) at which the bucket would be full again. Taking `cost` tokens moves the TAT `cost` emission
// intervals later; the request is refused when that would put the TAT more than `capacity` intervals ahead of
// now. One script, so concurrent replicas cannot interleave between the read and the write, and time is Redis's
// own (TIME), so replicas with skewed clocks still agree. The key expires when the bucket is full again.
const TAKE_TOKENS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + cost * interval
local allow_at = new_tat - capacity * interval
if allow_at > now then
  return {0, math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now) + 1000)
return {1, 0}
`;

type WithTakeTokens = RedisClient & {
  hogsendTakeTokens(key: string, interval: string, capacity: string, cost: string): Promise<[number, number]>;
};

/**
 * Takes `cost` tokens from the shared bucket `key` (rate per second, capacity `burst`); a request larger than the
 * whole bucket passes once the bucket is full, like the per-process limiter. Rejects when Redis does.
 */
export async function takeRedisTokens(
  client: RedisClient,
  key: string,
  params: { ratePerSecond: number; burst: number; cost: number },
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const withScript = client as WithTakeTokens;
  // defineCommand runs EVALSHA and falls back to EVAL when the script is not cached (after a restart, say).
  if (typeof withScript.hogsendTakeTokens !== "function") {
    client.defineCommand("hogsendTakeTokens", { numberOfKeys: 1, lua: TAKE_TOKENS });
  }
  const capacity = Math.max(params.burst, 1);
  const cost = Math.min(params.cost, capacity);
  const [allowed, waitMs] = await withScript.hogsendTakeTokens(
    key,
    String(1000 / params.ratePerSecond),
    String(capacity),
    String(cost),
  );
  if (allowed === 1) return { ok: true };
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}
