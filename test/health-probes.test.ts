import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp, startWorker } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { freePort } from "../src/lib/free-port.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-key-health-0123456789abcdef";
const config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", HOGSEND_API_KEY: ADMIN_KEY });
const opened: Array<{ app: App; database?: TestDatabase }> = [];

async function appOn(database: TestDatabase | string): Promise<App> {
  const app = await createApp(config, {
    databaseUrl: typeof database === "string" ? database : database.url,
  });
  opened.push({ app, ...(typeof database === "string" ? {} : { database }) });
  return app;
}

async function get(app: App, path: string) {
  const res = await buildApi(app).request(path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

afterAll(async () => {
  for (const { app, database } of opened) {
    await app.close();
    await database?.drop();
  }
});

describe("health probes", () => {
  let app: App;
  beforeAll(async () => {
    app = await appOn(await createTestDatabase());
  });

  it("live and ready answer 200 on a current schema; /v1/health keeps its shape and adds workers and queues", async () => {
    expect(await get(app, "/v1/health/live")).toMatchObject({ status: 200, body: { status: "alive" } });
    expect(await get(app, "/v1/health/ready")).toMatchObject({ status: 200, body: { status: "ready" } });
    const health = await get(app, "/v1/health");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: "healthy",
      version: expect.any(String),
      uptimeSeconds: expect.any(Number),
      workers: { live: 0, lastHeartbeatAt: null, list: [] },
      queues: {
        routingQueued: 0,
        routingLagSeconds: 0,
        routingDeadLetters: 0,
        outboxQueued: 0,
        outboxLagSeconds: 0,
      },
    });
  });

  it("reports queued events and their age, then the worker's heartbeat once one runs", async () => {
    const res = await buildApi(app).request("/v1/ingest", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ event: "health.check", userId: "health-user" }),
    });
    expect(res.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queued = await get(app, "/v1/health");
    expect(queued.body.queues).toMatchObject({ routingQueued: 1 });
    expect((queued.body.queues as { routingLagSeconds: number }).routingLagSeconds).toBeGreaterThan(0);

    const worker = await startWorker(app);
    try {
      await expect
        .poll(async () => (await get(app, "/v1/health")).body.workers, { timeout: 20_000 })
        .toMatchObject({ live: 1, list: [{ id: worker.workerId, live: true }] });
      await expect
        .poll(
          async () => ((await get(app, "/v1/health")).body.queues as { routingQueued: number }).routingQueued,
          {
            timeout: 20_000,
          },
        )
        .toBe(0);
    } finally {
      await worker.stop(1_000);
    }
    expect((await get(app, "/v1/health")).body.workers).toMatchObject({ live: 0, list: [] });
  });

  it("ready is 503 migration_pending on an unmigrated database while live stays 200", async () => {
    const empty = await appOn(await createTestDatabase({ migrated: false }));
    expect(await get(empty, "/v1/health/live")).toMatchObject({ status: 200, body: { status: "alive" } });
    const ready = await get(empty, "/v1/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe("migration_pending");
    expect((ready.body.pending as string[]).length).toBeGreaterThan(5);
    expect(await get(empty, "/v1/health")).toMatchObject({
      status: 503,
      body: { status: "migration_pending" },
    });
  });

  it("ready is 503 database_unreachable when Postgres does not answer; live needs no database", async () => {
    const down = await appOn(`postgres://postgres@127.0.0.1:${await freePort()}/nothing`);
    expect(await get(down, "/v1/health/live")).toMatchObject({ status: 200, body: { status: "alive" } });
    expect(await get(down, "/v1/health/ready")).toMatchObject({
      status: 503,
      body: { status: "database_unreachable" },
    });
    expect(await get(down, "/v1/health")).toMatchObject({
      status: 503,
      body: { status: "database_unreachable" },
    });
  });
});
