import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, mintFirstStudioAdmin, type RunningServer, startApiServer } from "../src/app.js";
import {
  createRedisSecondaryStorage,
  STUDIO_REDIS_PREFIX,
} from "../src/auth/studio/redis-secondary-storage.js";
import { DEFAULT_SIGN_IN_LIMITS } from "../src/auth/studio/studio-auth.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/lib/logger.js";
import { createRedisClient, type RedisClient, whenRedisReady } from "../src/redis/redis-client.js";
import {
  HAVE_REDIS_SERVER,
  REDIS_SERVER,
  startRedisServer,
  type TestRedisServer,
} from "./helpers/redis-server.js";
import { studioHttp } from "./helpers/studio-session.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const suite = HAVE_REDIS_SERVER || process.env.CI === "true" ? describe : describe.skip;
const silent = createLogger({ level: "silent", pretty: false });
const ORIGIN = "http://studio.example.test";
const ADMIN = { email: "ada@example.test", password: "correct-horse-battery" };

let redisServer: TestRedisServer;
let probe: Redis;

beforeAll(async () => {
  if (!HAVE_REDIS_SERVER && process.env.CI !== "true") return;
  expect(HAVE_REDIS_SERVER, `${REDIS_SERVER} is missing; scripts/ensure-test-tools.mjs installs it`).toBe(
    true,
  );
  redisServer = await startRedisServer();
  probe = new Redis(redisServer.url, { lazyConnect: true, enableOfflineQueue: true });
  // The probe sees the same outages; its reconnect errors are expected.
  probe.on("error", () => {});
}, 30_000);

afterAll(async () => {
  probe?.disconnect();
  await redisServer?.stop();
});

async function backUp(client: RedisClient): Promise<void> {
  await redisServer.restart();
  await expect.poll(async () => client.ping().catch(() => "down"), { timeout: 15_000 }).toBe("PONG");
}

suite("Better Auth's secondaryStorage on Redis (the whole 1.7 contract)", () => {
  let client: RedisClient;
  const fallbackCalls: Array<[string, number]> = [];
  let storage: ReturnType<typeof createRedisSecondaryStorage>;

  beforeAll(async () => {
    client = createRedisClient(redisServer.url, silent);
    expect(await whenRedisReady(client, 10_000)).toBe(true);
    storage = createRedisSecondaryStorage({
      redis: client,
      logger: silent,
      fallbackIncrement: async (key, ttl) => {
        fallbackCalls.push([key, ttl]);
        return 42;
      },
    });
  });
  afterAll(() => client?.disconnect());

  it("get, set with and without a TTL, delete, under the hogsend:auth: prefix", async () => {
    expect(await storage.get("missing")).toBeNull();
    await storage.set("plain", "v1");
    expect(await storage.get("plain")).toBe("v1");
    expect(await probe.get(`${STUDIO_REDIS_PREFIX}plain`)).toBe("v1");
    expect(await probe.ttl(`${STUDIO_REDIS_PREFIX}plain`)).toBe(-1);
    await storage.set("timed", "v2", 120);
    const ttl = await probe.ttl(`${STUDIO_REDIS_PREFIX}timed`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    await storage.set("short", "v3", 1);
    await expect.poll(() => storage.get("short"), { timeout: 5_000 }).toBeNull();
    await storage.delete("plain");
    expect(await storage.get("plain")).toBeNull();
  });

  it("getAndDelete returns the value once, atomically", async () => {
    await storage.set("once", "token");
    const results = await Promise.all([storage.getAndDelete("once"), storage.getAndDelete("once")]);
    expect(results.sort()).toEqual([null, "token"].sort());
    expect(await storage.get("once")).toBeNull();
    expect(await storage.getAndDelete("never-set")).toBeNull();
  });

  it("increment creates at 1 with the TTL, counts atomically, and never extends the TTL", async () => {
    expect(await storage.increment("counter", 100)).toBe(1);
    const first = await probe.pttl(`${STUDIO_REDIS_PREFIX}counter`);
    expect(first).toBeGreaterThan(90_000);
    const counts = await Promise.all(Array.from({ length: 20 }, () => storage.increment("counter", 100)));
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await storage.increment("counter", 5_000)).toBe(22);
    const later = await probe.pttl(`${STUDIO_REDIS_PREFIX}counter`);
    expect(later).toBeLessThan(first);
    // A short window expires and the next increment starts a new one.
    expect(await storage.increment("window", 1)).toBe(1);
    expect(await storage.increment("window", 1)).toBe(2);
    await expect.poll(() => storage.increment("window", 1), { timeout: 5_000, interval: 300 }).toBe(1);
  });

  it("with Redis stopped: reads miss, writes are dropped, increments count in the fallback; never a throw", async () => {
    await redisServer.kill();
    expect(await storage.get("timed")).toBeNull();
    await expect(storage.set("k", "v", 10)).resolves.not.toThrow();
    await expect(storage.delete("k")).resolves.not.toThrow();
    expect(await storage.getAndDelete("k")).toBeNull();
    expect(await storage.increment("during-outage", 60)).toBe(42);
    expect(fallbackCalls).toEqual([["during-outage", 60]]);
    await backUp(client);
  });

  it("empties its cached sessions when Redis is reachable again (a delete dropped in the outage cannot revive one)", async () => {
    await storage.set("session-token", "cached-session", 600);
    await probe.set(`${STUDIO_REDIS_PREFIX}revoked-in-outage`, "stale");
    await probe.set("not-ours", "kept");
    // This client loses its connection (the server stays up for the probe): the delete fails and is dropped.
    client.disconnect(true);
    await storage.delete("revoked-in-outage");
    await expect.poll(async () => client.ping().catch(() => "down"), { timeout: 15_000 }).toBe("PONG");
    await storage.settled();
    await expect
      .poll(() => probe.get(`${STUDIO_REDIS_PREFIX}revoked-in-outage`), { timeout: 5_000 })
      .toBeNull();
    expect(await probe.get(`${STUDIO_REDIS_PREFIX}session-token`)).toBeNull();
    expect(await probe.get("not-ours")).toBe("kept");
  });
});

suite("Studio logins with REDIS_URL, Redis stopped mid-test", () => {
  let testDb: TestDatabase;
  let app: App;
  let server: RunningServer;
  let base: string;
  let ip = 0;
  const freshIp = () => `192.0.2.${++ip}`;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    app = await createApp(
      loadConfig({
        NODE_ENV: "test",
        API_PUBLIC_URL: ORIGIN,
        REDIS_URL: redisServer.url,
        HOGSEND_TRUSTED_PROXY_HEADER: "x-forwarded-for",
        STUDIO_ADMIN_EMAIL: ADMIN.email,
        STUDIO_ADMIN_PASSWORD: ADMIN.password,
      }),
      { databaseUrl: testDb.url },
    );
    await mintFirstStudioAdmin(app);
    server = await startApiServer(app, 0);
    base = `http://127.0.0.1:${server.port}`;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    await testDb?.drop();
  });

  it("keeps sessions in Redis (and Postgres), and rate-limit counters in Redis", async () => {
    await expect.poll(() => probe.ping().catch(() => "down"), { timeout: 15_000 }).toBe("PONG");
    const http = studioHttp(base, ORIGIN);
    const res = await http.signIn(ADMIN.email, ADMIN.password, freshIp());
    expect(res.status).toBe(200);
    const token = decodeURIComponent(http.cookie!.split("=")[1]!).split(".")[0]!;
    expect(await probe.get(`${STUDIO_REDIS_PREFIX}${token}`)).toContain(ADMIN.email);
    const rows = await testDb.db.query("SELECT 1 FROM studio_sessions WHERE token = $1", [token]);
    expect(rows.rowCount).toBe(1);
    const counters = await probe.keys(`${STUDIO_REDIS_PREFIX}*sign-in*`);
    expect(counters.length).toBeGreaterThan(0);
    expect((await testDb.db.query("SELECT 1 FROM studio_rate_limits")).rowCount).toBe(0);
    expect((await http.request("/v1/admin/suppressions")).status).toBe(200);
  });

  it("signs in, reads sessions and keeps limiting while Redis is down, then carries on when it returns", async () => {
    const before = studioHttp(base, ORIGIN);
    expect((await before.signIn(ADMIN.email, ADMIN.password, freshIp())).status).toBe(200);
    await redisServer.kill();

    // A session made before the outage is read from Postgres.
    expect((await before.request("/v1/admin/suppressions")).status).toBe(200);
    // Sign-in works (no 500), and so does the new session.
    const during = studioHttp(base, ORIGIN);
    expect((await during.signIn(ADMIN.email, ADMIN.password, freshIp())).status).toBe(200);
    expect((await during.request("/v1/auth/get-session")).status).toBe(200);
    expect((await during.request("/v1/admin/suppressions")).status).toBe(200);
    const changed = await during.request("/v1/admin/suppressions", {
      method: "POST",
      body: JSON.stringify({ email: "outage@example.test" }),
    });
    expect(changed.status).toBeLessThan(300);

    // The per-IP limit still trips, counted in Postgres meanwhile.
    const address = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i <= DEFAULT_SIGN_IN_LIMITS.perIp.max; i++) {
      statuses.push((await during.signIn(`x${i}@example.test`, "wrong-password-1", address)).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect((await testDb.db.query("SELECT 1 FROM studio_rate_limits")).rowCount).toBeGreaterThan(0);

    // Signing out during the outage ends the session for good.
    expect((await before.request("/v1/auth/sign-out", { method: "POST", body: "{}" })).status).toBe(200);
    expect((await before.request("/v1/admin/suppressions")).status).toBe(401);

    await redisServer.restart();
    await expect.poll(() => probe.ping().catch(() => "down"), { timeout: 15_000 }).toBe("PONG");
    const afterwards = studioHttp(base, ORIGIN);
    await expect
      .poll(async () => (await afterwards.signIn(ADMIN.email, ADMIN.password, freshIp())).status, {
        timeout: 15_000,
      })
      .toBe(200);
    expect((await during.request("/v1/admin/suppressions")).status).toBe(200);
    expect((await before.request("/v1/admin/suppressions")).status).toBe(401);
  }, 60_000);
});
