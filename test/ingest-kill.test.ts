import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type App, type BackgroundWork, createApp, startWorker } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { freePort, startCli, waitForHealthy } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// These tests start real `hogsend` processes (tsx compile, embedded Postgres); on a loaded 2-core CI machine
// that takes far longer than an in-process test, so they get more time than the suite default.
vi.setConfig({ testTimeout: 120_000 });

/**
 * Kill-after-accept: an `hogsend api` process acknowledges a batch and is SIGKILLed at once. Routing is driven
 * from the stored events (the queue row commits with the event), so a worker started afterwards still upserts
 * the contacts and enrolls every user in the journey the events trigger.
 */
const KEY = "kill-test-admin-key-0123456789abcd";
const JOURNEYS = fileURLToPath(new URL("../examples/journeys/index.ts", import.meta.url));
let testDb: TestDatabase;
let worker: App | undefined;
let work: BackgroundWork | undefined;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await work?.stop(1000);
  await worker?.close();
  await testDb?.drop();
});

describe("kill after accept", () => {
  it("routes events acknowledged by an api process that died right after", async () => {
    const port = await freePort();
    const api = startCli(["api"], { DATABASE_URL: testDb.url, PORT: String(port), HOGSEND_API_KEY: KEY });
    try {
      await waitForHealthy(`http://127.0.0.1:${port}/v1/health`);
      const users = Array.from({ length: 20 }, (_, i) => `killed-${i}`);
      const res = await fetch(`http://127.0.0.1:${port}/v1/ingest`, {
        method: "POST",
        headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          batch: users.map((userId) => ({
            event: "checkout.started",
            userId,
            userEmail: `${userId}@example.com`,
            properties: { cartId: `cart-${userId}` },
          })),
        }),
      });
      api.child.kill("SIGKILL");
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ accepted: 20, duplicates: 0 });
      expect((await api.exited).signal).toBe("SIGKILL");

      const queued = await testDb.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM event_routing_queue",
      );
      expect(queued.rows[0]?.n).toBe(20);

      worker = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_POLL_INTERVAL_MS: "100" }), {
        databaseUrl: testDb.url,
        templates: exampleTemplates,
      });
      work = await startWorker(worker, { journeysModule: JOURNEYS });
      const deadline = Date.now() + 20_000;
      let runs = 0;
      while (Date.now() < deadline) {
        const result = await testDb.db.query<{ n: number }>(
          "SELECT count(DISTINCT user_id)::int AS n FROM journey_runs WHERE journey_id = 'checkout-recovery'",
        );
        runs = result.rows[0]?.n ?? 0;
        if (runs === users.length) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(runs).toBe(users.length);
      const contacts = await testDb.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM contacts WHERE user_id LIKE 'killed-%' AND email LIKE '%@example.com'",
      );
      expect(contacts.rows[0]?.n).toBe(users.length);
    } finally {
      if (api.child.exitCode === null && api.child.signalCode === null) api.child.kill("SIGKILL");
    }
  }, 60_000);
});
