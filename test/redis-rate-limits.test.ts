import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, type RunningServer, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { whenRedisReady } from "../src/redis/redis-client.js";
import {
  HAVE_REDIS_SERVER,
  REDIS_SERVER,
  startRedisServer,
  type TestRedisServer,
} from "./helpers/redis-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// Two api processes' worth of app (two apps, two HTTP servers) on one database and one real redis-server: the
// limits hold across both; with the server killed each limits on its own (never a 500, never unlimited); with it
// back they share again.

const suite = HAVE_REDIS_SERVER || process.env.CI === "true" ? describe : describe.skip;
const KEY = "test-admin-key-redis-rate-limits-01";
const BURST = 10;
const IP_BURST = 40;

suite("API rate limits shared through Redis", () => {
  let redis: TestRedisServer;
  let testDb: TestDatabase;
  const apps: App[] = [];
  const servers: RunningServer[] = [];
  let ipCounter = 0;
  /** What the first app logged, as JSON lines. */
  const logLines: Array<{ level: number; msg: string; limiter?: string }> = [];
  const capture = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });

  beforeAll(async () => {
    expect(HAVE_REDIS_SERVER, `${REDIS_SERVER} is missing; scripts/ensure-test-tools.mjs installs it`).toBe(
      true,
    );
    redis = await startRedisServer();
    testDb = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: "test",
      HOGSEND_API_KEY: KEY,
      REDIS_URL: redis.url,
      // One token a second: refill during a test is a token or two, far below what a second process would add.
      HOGSEND_INGEST_RATE_LIMIT: "1",
      HOGSEND_INGEST_RATE_BURST: String(BURST),
      HOGSEND_IP_RATE_LIMIT: "1",
      HOGSEND_IP_RATE_BURST: String(IP_BURST),
      HOGSEND_TRUST_PROXY: "on",
    });
    for (let i = 0; i < 2; i++) {
      const app = await createApp(config, {
        databaseUrl: testDb.url,
        ...(i === 0 ? { logger: pino({ level: "info" }, capture) } : {}),
      });
      apps.push(app);
      servers.push(await startApiServer(app, 0));
      // Connected before the first request: one that arrives while it connects is decided per process.
      expect(await whenRedisReady(app.redis!, 10_000)).toBe(true);
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(apps.map((a) => a.close()));
    await redis?.stop();
    await testDb?.drop();
  });

  /** `n` ingest requests, alternating between the two servers, each from a new address; statuses per server. */
  async function ingest(n: number): Promise<number[][]> {
    const statuses: number[][] = [[], []];
    for (let i = 0; i < n; i++) {
      const which = i % 2;
      const response = await fetch(`http://127.0.0.1:${servers[which]!.port}/v1/ingest`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${KEY}`,
          "content-type": "application/json",
          "x-forwarded-for": `10.1.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`,
        },
        body: JSON.stringify({ event: "page.viewed", userId: `u${i}` }),
      });
      await response.arrayBuffer();
      statuses[which]!.push(response.status);
    }
    return statuses;
  }

  const accepted = (statuses: number[]) => statuses.filter((s) => s === 202).length;
  const fallbackGauge = async (app: App) => {
    const metric = await app.metrics.getSingleMetric("hogsend_rate_limit_fallback")?.get();
    return metric?.values.find((v) => v.labels.limiter === "ingest")?.value;
  };

  it("holds one per-key limit across both api processes", async () => {
    const [a, b] = await ingest(30);
    expect([...a!, ...b!].every((s) => s === 202 || s === 429)).toBe(true);
    const total = accepted(a!) + accepted(b!);
    // Per process each would have let BURST through (2 × BURST in all); shared, the pair lets BURST through.
    expect(total).toBeGreaterThanOrEqual(BURST);
    expect(total).toBeLessThanOrEqual(BURST + 3);
    expect(accepted(a!)).toBeGreaterThan(0);
    expect(accepted(b!)).toBeGreaterThan(0);
    expect(await fallbackGauge(apps[0]!)).toBe(0);
  });

  it("holds one per-IP limit across both api processes", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      const response = await fetch(`http://127.0.0.1:${servers[i % 2]!.port}/v1/admin/alerts`, {
        headers: { "x-forwarded-for": "203.0.113.7" },
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const let_through = statuses.filter((s) => s === 401).length;
    expect(let_through).toBeGreaterThanOrEqual(IP_BURST);
    expect(let_through).toBeLessThanOrEqual(IP_BURST + 3);
    expect(statuses.at(-1)).toBe(429);
  });

  it("limits per process while Redis is gone, never failing a request, and shares again when it is back", async () => {
    await redis.kill();
    const [a, b] = await ingest(40);
    const all = [...a!, ...b!];
    expect(all.every((s) => s === 202 || s === 429)).toBe(true);
    // Each process now holds its own bucket of BURST: still limited (not 40), each on its own.
    for (const statuses of [a!, b!]) {
      expect(accepted(statuses)).toBeGreaterThanOrEqual(BURST);
      expect(accepted(statuses)).toBeLessThanOrEqual(BURST + 3);
    }
    expect(await fallbackGauge(apps[0]!)).toBe(1);
    expect(await fallbackGauge(apps[1]!)).toBe(1);
    // One warning for the outage per limiter (per key and per IP), not one per request.
    const warnings = logLines.filter((l) => l.msg.startsWith("rate limit: redis unreachable"));
    expect(warnings.map((l) => [l.level, l.limiter]).sort()).toEqual([
      [40, "ingest"],
      [40, "ip"],
    ]);

    await redis.restart();
    // The clients reconnect on their backoff (≤ 2 s); the first decision Redis answers ends the fallback.
    await expect
      .poll(
        async () => {
          await ingest(2);
          return [await fallbackGauge(apps[0]!), await fallbackGauge(apps[1]!)];
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual([0, 0]);
    expect(
      logLines
        .filter((l) => l.msg === "rate limit: shared through redis again")
        .map((l) => l.limiter)
        .sort(),
    ).toEqual(["ingest", "ip"]);
    // Shared again: the (new, empty) server's bucket lets BURST through across both, minus what the poll took.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [c, d] = await ingest(30);
    const total = accepted(c!) + accepted(d!);
    expect(total).toBeLessThanOrEqual(BURST + 3);
    expect(total).toBeGreaterThan(0);
  }, 60_000);
});
