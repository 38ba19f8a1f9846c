import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/lib/logger.js";
import { createRedisClient, whenRedisReady } from "../src/redis/redis-client.js";
import {
  HAVE_REDIS_SERVER,
  REDIS_SERVER,
  startRedisServer,
  type TestRedisServer,
} from "./helpers/redis-server.js";

const suite = HAVE_REDIS_SERVER || process.env.CI === "true" ? describe : describe.skip;

suite("a test's own redis-server and the client's fail-fast behaviour", () => {
  let server: TestRedisServer;
  beforeAll(async () => {
    expect(
      HAVE_REDIS_SERVER,
      `${REDIS_SERVER} is missing; scripts/ensure-test-tools.mjs should have installed it`,
    ).toBe(true);
    server = await startRedisServer();
  });
  afterAll(async () => server?.stop());

  it("serves on its own port, fails commands fast while it is down, and recovers", async () => {
    const client = createRedisClient(server.url, createLogger({ level: "silent", pretty: false }));
    try {
      expect(await whenRedisReady(client)).toBe(true);
      await client.set("k", "v");
      expect(await client.get("k")).toBe("v");
      await server.kill();
      const started = Date.now();
      await expect(client.get("k")).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3_000);
      await server.restart();
      const probe = new Redis(server.url);
      await probe.ping();
      await probe.quit();
      await expect.poll(async () => client.ping().catch(() => "down"), { timeout: 10_000 }).toBe("PONG");
      // A fresh server: the data did not survive (no persistence), so tests never see each other's keys.
      expect(await client.get("k")).toBeNull();
    } finally {
      client.disconnect();
    }
  });
});
