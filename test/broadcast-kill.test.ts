import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CLI_AUDIT_CONTEXT } from "../src/audit/audit-entry.js";
import { createBroadcast, scheduleBroadcast } from "../src/broadcasts/broadcast-service.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { type LongRunning, startCli } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// Real `hogsend worker` processes (tsx compile, boot) on a loaded machine: generous time.
vi.setConfig({ testTimeout: 240_000 });

/**
 * Each recipient at most once across a SIGKILL: a worker is killed while it is materialising or enqueueing a
 * broadcast (and delivering its mail); a second worker takes the broadcast over when the lease lapses. The
 * capture mailbox ends with every audience member exactly once and nobody else.
 */
const CONTACTS = 3_000;
const CONFIG = fileURLToPath(new URL("../examples/hogsend.config.ts", import.meta.url));
let testDb: TestDatabase;
const workers: LongRunning[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  for (const w of workers) w.child.kill("SIGKILL");
  await testDb?.drop();
});

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a broadcast across a worker SIGKILL", () => {
  it("reaches every audience member exactly once, and nobody else", async () => {
    const db = testDb.db;
    // Even ids are on the audience (plan pro); odd ones are not.
    await db.query(
      `INSERT INTO contacts (user_id, email, properties)
       SELECT 'k-' || lpad(i::text, 5, '0'), 'k-' || lpad(i::text, 5, '0') || '@example.com',
              jsonb_build_object('plan', CASE WHEN i % 2 = 0 THEN 'pro' ELSE 'free' END)
         FROM generate_series(1, $1) AS i`,
      [CONTACTS],
    );
    const audience = new Set<string>();
    for (let i = 2; i <= CONTACTS; i += 2) audience.add(`k-${String(i).padStart(5, "0")}@example.com`);
    const broadcast = await createBroadcast(
      db,
      exampleTemplates,
      {
        name: "kill",
        template: "activation/welcome",
        subject: "Hello",
        audience: { conditions: [{ type: "property", property: "plan", operator: "eq", value: "pro" }] },
        ratePerSecond: 400,
      },
      CLI_AUDIT_CONTEXT,
    );
    await scheduleBroadcast(db, broadcast.id, new Date(), CLI_AUDIT_CONTEXT);

    const env = {
      DATABASE_URL: testDb.url,
      HOGSEND_LEASE_SECONDS: "2",
      HOGSEND_POLL_INTERVAL_MS: "200",
    };
    const mailbox = async () =>
      Number(
        (await db.query<{ n: string }>("SELECT count(*)::text AS n FROM captured_emails")).rows[0]?.n ?? 0,
      );
    const first = startCli(["worker", "--config", CONFIG], env);
    workers.push(first);
    await until(async () => (await mailbox()) >= 300, 120_000, `the first emails\n${first.output()}`);
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    const atKill = await mailbox();
    expect(atKill).toBeLessThan(audience.size);

    const second = startCli(["worker", "--config", CONFIG], env);
    workers.push(second);
    await until(
      async () =>
        (await db.query("SELECT 1 FROM broadcasts WHERE id = $1 AND status = 'sent'", [broadcast.id]))
          .rowCount === 1 &&
        (await db.query("SELECT 1 FROM messages WHERE status IN ('queued', 'sending')")).rowCount === 0,
      180_000,
      `the broadcast to finish\n${second.output()}`,
    );
    second.child.kill("SIGTERM");
    await second.exited;

    const got = await db.query<{ to_email: string; n: string }>(
      "SELECT to_email, count(*)::text AS n FROM captured_emails GROUP BY to_email",
    );
    const twice = got.rows.filter((row) => Number(row.n) > 1);
    const strangers = got.rows.filter((row) => !audience.has(row.to_email));
    const missing = [...audience].filter((to) => !got.rows.some((row) => row.to_email === to));
    expect(twice).toEqual([]);
    expect(strangers).toEqual([]);
    expect(missing).toEqual([]);
    const messages = await db.query("SELECT 1 FROM messages");
    expect(messages.rowCount).toBe(audience.size);
    console.info(`broadcast kill: ${audience.size} recipients, ${atKill} mailed before the kill, each once`);
  });
});
