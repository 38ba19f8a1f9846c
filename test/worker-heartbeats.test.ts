import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, startWorker, VERSION } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { listHeartbeats, recordHeartbeat } from "../src/journeys/worker-heartbeat-store.js";
import { HEARTBEAT_PRUNE_AFTER_MS } from "../src/journeys/worker-heartbeats.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

let database: TestDatabase;
let app: App;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent" }), { databaseUrl: database.url });
});
afterAll(async () => {
  await app.close();
  await database.drop();
});

describe("worker heartbeats", () => {
  it("a running worker has a row, a long-dead one is pruned, a stopped one removes its own", async () => {
    const longAgo = new Date(Date.now() - HEARTBEAT_PRUNE_AFTER_MS - 60_000);
    await recordHeartbeat(app.db, {
      workerId: "dead-worker",
      host: "gone",
      pid: 1,
      engine: "hogsend@0.0.0",
      startedAt: longAgo,
      lastSeenAt: longAgo,
    });
    const worker = await startWorker(app);
    await expect
      .poll(async () => (await listHeartbeats(app.db)).map((beat) => beat.workerId), { timeout: 20_000 })
      .toEqual([worker.workerId]);
    const [beat] = await listHeartbeats(app.db);
    expect(beat).toMatchObject({ pid: process.pid, engine: `postgres (hogsend@${VERSION})` });
    expect(Date.now() - (beat?.lastSeenAt.getTime() ?? 0)).toBeLessThan(10_000);
    await worker.stop(1_000);
    expect(await listHeartbeats(app.db)).toEqual([]);
  });
});
