import { randomFillSync } from "node:crypto";

let lastMs = 0;
let sequence = 0;
// One getrandom call per 512 ids: a call per id cost more than the rest of event validation together.
const POOL_IDS = 512;
const pool = Buffer.alloc(16 * POOL_IDS);
let poolOffset = pool.length;

/**
 * A UUIDv7 (RFC 9562): 48-bit millisecond timestamp, then random bits. Ids assigned at ingest sort by time, so
 * the dedupe index takes appends at its right edge instead of random page writes. A 12-bit counter in rand_a keeps
 * ids from one process monotonic within a millisecond.
 */
export function uuidv7(now = Date.now()): string {
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMs += 1;
  } else {
    lastMs = now;
    sequence = 0;
  }
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  const ms = lastMs;
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = (ms >>> 24) & 0xff;
  bytes[3] = (ms >>> 16) & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | ((sequence >>> 8) & 0x0f);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
