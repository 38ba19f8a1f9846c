import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type App, type BackgroundWork, buildApi, createApp, startWorker } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

vi.setConfig({ testTimeout: 120_000 });

const ADMIN_KEY = "test-admin-key-broadcasts-0123456789";
const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
let database: TestDatabase;
let app: App;
let worker: BackgroundWork | undefined;
let api: ReturnType<typeof buildApi>;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await createApp(
    loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY, HOGSEND_POLL_INTERVAL_MS: "100" }),
    { templates: exampleTemplates, databaseUrl: database.url },
  );
  api = buildApi(app);
});
afterAll(async () => {
  await worker?.stop(1_000);
  await app.close();
  await database.drop();
});

const AUDIENCE = {
  match: "all",
  conditions: [
    { type: "property", property: "plan", operator: "eq", value: "pro" },
    { type: "event", event: "feature.used", did: true, within: { days: 30 } },
    { type: "event", event: "upgraded", did: false },
  ],
};

/**
 * 200 contacts whose membership is decided by a plain loop: plan pro (every other), feature.used in the last 30
 * days (every third; every ninth only 40 days ago, or through an alias), never upgraded (every fifth did), plus
 * the exclusions the audience always applies (no address, globally unsubscribed, left the product category).
 */
async function seed(prefix: string, n: number): Promise<Set<string>> {
  const expected = new Set<string>();
  const db = database.db;
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${String(i).padStart(4, "0")}`;
    const pro = i % 2 === 0;
    const noEmail = i % 17 === 0;
    const unsubscribed = i % 19 === 0;
    const leftProduct = i % 23 === 0;
    const used = i % 3 === 0;
    const usedLongAgo = i % 9 === 0;
    const viaAlias = i % 3 === 0 && i % 4 === 0;
    const upgraded = i % 5 === 0;
    await db.query(
      "INSERT INTO contacts (user_id, email, properties, unsubscribed_at) VALUES ($1, $2, $3, $4)",
      [
        id,
        noEmail ? null : `${id}@example.com`,
        JSON.stringify({ plan: pro ? "pro" : "free", firstName: `F${i}` }),
        unsubscribed ? new Date() : null,
      ],
    );
    if (leftProduct) {
      await db.query(
        "INSERT INTO email_preferences (user_id, category, unsubscribed_at) VALUES ($1, 'product', now())",
        [id],
      );
    }
    const userForEvent = viaAlias ? `anon-${id}` : id;
    if (viaAlias) {
      await db.query("INSERT INTO user_aliases (alias, user_id, source) VALUES ($1, $2, 'test')", [
        userForEvent,
        id,
      ]);
    }
    if (used) {
      await db.query(
        `INSERT INTO events (message_id, event, user_id, occurred_at)
         VALUES ($1, 'feature.used', $2, now() - make_interval(days => $3))`,
        [`m-${id}-used`, userForEvent, usedLongAgo ? 40 : 2],
      );
    }
    if (upgraded) {
      await db.query(
        "INSERT INTO events (message_id, event, user_id, occurred_at) VALUES ($1, 'upgraded', $2, now() - interval '300 days')",
        [`m-${id}-up`, id],
      );
    }
    if (pro && used && !usedLongAgo && !upgraded && !noEmail && !unsubscribed && !leftProduct)
      expected.add(id);
  }
  return expected;
}

async function call(method: string, path: string, body?: unknown) {
  const res = await api.request(`/v1/admin${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever shape each route answers with.
  return { status: res.status, body: (await res.json()) as { data: any; error?: unknown } };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function mailboxOf(prefix: string): Promise<string[]> {
  const result = await database.db.query<{ to_email: string }>(
    "SELECT to_email FROM captured_emails WHERE to_email LIKE $1 ORDER BY to_email",
    [`${prefix}-%`],
  );
  return result.rows.map((row) => row.to_email);
}

describe("broadcasts", () => {
  it("refuses a bad audience or template with a 400 and stores nothing", async () => {
    const bad = [
      {
        name: "x",
        template: "activation/welcome",
        audience: { conditions: [{ type: "property", property: "plan", operator: "like", value: "p" }] },
      },
      {
        name: "x",
        template: "activation/welcome",
        audience: { conditions: [{ type: "event", event: "a", did: true, within: { days: 0 } }] },
      },
      { name: "x", template: "no/such", audience: { conditions: [] } },
      { name: "x", template: "churn-payment-failed", audience: { conditions: [] } },
      { name: "x", template: "activation/welcome", category: "nope", audience: { conditions: [] } },
      { name: "x", template: "activation/welcome", audience: { match: "some", conditions: [] } },
      { name: "x", template: "activation/welcome", audience: { conditions: [] }, ratePerSecond: 0 },
      { name: "x", template: "activation/welcome", audience: { conditions: [] } },
    ];
    for (const body of bad) {
      const res = await call("POST", "/broadcasts", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await call("GET", "/broadcasts/not-a-uuid")).status).toBe(400);
    expect((await call("GET", "/broadcasts/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const count = await database.db.query("SELECT 1 FROM broadcasts");
    expect(count.rowCount).toBe(0);
  });

  it("previews, then reaches exactly its audience once, with stats", async () => {
    const expected = await seed("aud", 200);
    expect(expected.size).toBeGreaterThan(5);
    const created = await call("POST", "/broadcasts", {
      name: "Pro launch",
      template: "activation/welcome",
      subject: "Big news",
      props: { firstName: "there" },
      audience: AUDIENCE,
      ratePerSecond: 1000,
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ status: "draft", category: "product" });
    const id = created.body.data.id as string;

    const preview = await call("GET", `/broadcasts/${id}/preview?sample=5`);
    expect(preview.body.data.count).toBe(expected.size);
    expect(preview.body.data.sample).toHaveLength(5);
    for (const s of preview.body.data.sample) expect(expected.has(s.userId)).toBe(true);
    const before = await call("POST", "/broadcasts/preview", { audience: AUDIENCE, category: "product" });
    expect(before.body.data.count).toBe(expected.size);

    worker = await startWorker(app);
    expect((await call("POST", `/broadcasts/${id}/send`)).status).toBe(200);
    await until(async () => (await mailboxOf("aud")).length >= expected.size, "the mailbox");
    await until(
      async () => (await call("GET", `/broadcasts/${id}`)).body.data.stats.sent === expected.size,
      "the sent count",
    );
    const mailbox = await mailboxOf("aud");
    expect(mailbox).toEqual([...expected].sort().map((uid) => `${uid}@example.com`));
    const got = (await call("GET", `/broadcasts/${id}`)).body.data;
    expect(got.status).toBe("sent");
    expect(got.stats).toMatchObject({
      recipients: expected.size,
      queued: expected.size,
      sent: expected.size,
    });

    // An unsubscribe after the email counts for the broadcast once.
    const someone = [...expected][0] as string;
    await database.db.query("UPDATE contacts SET unsubscribed_at = now() WHERE user_id = $1", [someone]);
    expect((await call("GET", `/broadcasts/${id}`)).body.data.stats.unsubscribed).toBe(1);
    expect((await call("POST", `/broadcasts/${id}/cancel`)).status).toBe(409);
    expect((await call("POST", `/broadcasts/${id}/send`)).status).toBe(409);
    const audit = await database.db.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id",
      [id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["broadcast.created", "broadcast.send_requested"]);
  });

  it("cancel stops what has not gone yet", async () => {
    await database.db.query(
      `INSERT INTO contacts (user_id, email, properties)
       SELECT 'can-' || lpad(i::text, 4, '0'), 'can-' || i || '@example.com', '{"plan":"team"}'
         FROM generate_series(1, 300) AS i`,
    );
    const created = await call("POST", "/broadcasts", {
      name: "Slow",
      template: "activation/welcome",
      subject: "Big news",
      props: { firstName: "there" },
      audience: { conditions: [{ type: "property", property: "plan", operator: "eq", value: "team" }] },
      ratePerSecond: 20,
    });
    const id = created.body.data.id as string;
    await call("POST", `/broadcasts/${id}/send`);
    await until(async () => (await mailboxOf("can")).length >= 20, "the first emails");
    const cancelled = await call("POST", `/broadcasts/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe("cancelled");
    const atCancel = await database.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM messages WHERE idempotency_key LIKE $1 AND status IN ('sending', 'sent')",
      [`hogsend:broadcast:${id}:%`],
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const mailbox = await mailboxOf("can");
    expect(mailbox.length).toBeLessThan(300);
    expect(mailbox.length).toBe(Number(atCancel.rows[0]?.n));
    expect(new Set(mailbox).size).toBe(mailbox.length);
    const pending = await database.db.query(
      "SELECT 1 FROM broadcast_recipients WHERE broadcast_id = $1 AND status = 'pending'",
      [id],
    );
    expect(pending.rowCount).toBeGreaterThan(0);
  });
});
