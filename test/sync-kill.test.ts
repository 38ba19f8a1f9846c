import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FakePostHogServer } from "./helpers/fake-posthog-server.js";
import { type LongRunning, startCli } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// Real `hogsend worker` processes (tsx compile, boot) on a loaded machine: generous time.
vi.setConfig({ testTimeout: 240_000 });

/**
 * Exactly once by uuid across a SIGKILL: a worker is killed while PostHog batches are in flight; a second worker
 * takes over once the lease lapses. Every fact reaches the PostHog-compatible server (nothing lost) and, deduped by
 * its uuid as PostHog dedupes, exactly once; redelivered arrivals (same uuid) are counted and reported.
 */
const FACTS = 1200;
const JOURNEYS = fileURLToPath(new URL("../examples/journeys/index.ts", import.meta.url));
let testDb: TestDatabase;
let posthog: FakePostHogServer;
const workers: LongRunning[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  posthog = await new FakePostHogServer({ latencyMs: 700 }).start();
});
afterAll(async () => {
  for (const w of workers) w.child.kill("SIGKILL");
  await posthog?.stop();
  await testDb?.drop();
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("sync outbox across a worker kill", () => {
  it("delivers every fact, once by uuid, when the worker dies mid-batch", async () => {
    const db = testDb.db;
    await db.query(
      "INSERT INTO sync_destinations (id, kind, enabled) VALUES ('posthog', 'posthog', true) ON CONFLICT DO NOTHING",
    );
    await db.query(
      `INSERT INTO contacts (user_id, email) SELECT 'kill-' || i, 'kill-' || i || '@example.com'
         FROM generate_series(1, $1) AS i`,
      [FACTS],
    );
    // One statement, FACTS facts: each unsubscribe writes its outbox row in this transaction (the trigger).
    await db.query("UPDATE contacts SET unsubscribed_at = now() WHERE user_id LIKE 'kill-%'");
    const expected = await db.query<{ id: string }>(
      `SELECT hogsend_fact_id('email.unsubscribed', user_id || ':' || unsubscribed_at::text)::text AS id
         FROM contacts WHERE user_id LIKE 'kill-%'`,
    );
    expect((await db.query("SELECT 1 FROM sync_outbox")).rowCount).toBe(FACTS);

    const env = {
      DATABASE_URL: testDb.url,
      POSTHOG_API_KEY: posthog.apiKey,
      POSTHOG_HOST: posthog.baseUrl,
      HOGSEND_LEASE_SECONDS: "2",
      HOGSEND_POLL_INTERVAL_MS: "200",
    };
    const first = startCli(["worker", "--journeys", JOURNEYS], env);
    workers.push(first);
    // The first batch was accepted; the second is in flight (700 ms per request): kill now.
    await until(() => posthog.received.length >= 500, 120_000, `the first batch\n${first.output()}`);
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    const atKill = posthog.received.length;
    const pending = (await db.query("SELECT 1 FROM sync_outbox")).rowCount ?? 0;
    expect(pending).toBeGreaterThan(0);

    const second = startCli(["worker", "--journeys", JOURNEYS], env);
    workers.push(second);
    await until(
      async () => ((await db.query("SELECT 1 FROM sync_outbox")).rowCount ?? 0) === 0,
      150_000,
      `the outbox to drain\n${second.output()}`,
    );
    second.child.kill("SIGTERM");
    await second.exited;

    const got = new Set(posthog.received.map((e) => e.uuid));
    const want = expected.rows.map((r) => r.id);
    const lost = want.filter((id) => !got.has(id));
    expect(lost).toEqual([]);
    expect(got.size).toBe(FACTS);
    const { duplicates } = posthog.tally();
    // Only a batch in flight at the kill can arrive twice.
    expect(duplicates).toBeLessThanOrEqual(500);
    console.info(
      `sync kill: ${FACTS} facts, ${atKill} received before the kill, ${got.size} unique after, ` +
        `${duplicates} redelivered arrivals (same uuid)`,
    );
  });
});
