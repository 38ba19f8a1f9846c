import { randomBytes, randomUUID } from "node:crypto";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type App,
  type BackgroundWork,
  createApp,
  type RunningServer,
  startApiServer,
  startWorker,
} from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { FakeAlertReceiver } from "./helpers/fake-alert-receivers.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// End to end: two workers and an api on one database; complaints arrive as signed Resend webhooks over HTTP; the
// guard (evaluating every second) pauses marketing mail, transactional mail keeps flowing, an admin resumes, and
// every held message goes out exactly once.

const ADMIN_KEY = "test-admin-key-reputation-guard-0123";
const RESEND_SECRET = `whsec_${randomBytes(24).toString("base64")}`;

let testDb: TestDatabase;
let slack: FakeAlertReceiver;
const apps: App[] = [];
let workers: BackgroundWork[] = [];
let server: RunningServer;
let base: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  slack = await new FakeAlertReceiver().start();
  const config = loadConfig({
    NODE_ENV: "test",
    HOGSEND_API_KEY: ADMIN_KEY,
    RESEND_WEBHOOK_SECRET: RESEND_SECRET,
    HOGSEND_ALERTS_SLACK_URL: slack.url,
    HOGSEND_ALERTS_INTERVAL_SECONDS: "1",
    HOGSEND_ALERTS_MIN_VOLUME: "10",
    HOGSEND_POLL_INTERVAL_MS: "200",
  });
  for (let i = 0; i < 3; i++) {
    apps.push(
      await createApp(config, {
        databaseUrl: testDb.url,
        templates: exampleTemplates,
        journeys: [],
        alerts: { reputationGuard: { resumeAfterMinutes: 600 } },
      }),
    );
  }
  workers = [await startWorker(apps[0]!), await startWorker(apps[1]!)];
  server = await startApiServer(apps[2]!, 0);
  base = `http://127.0.0.1:${server.port}`;
}, 60_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop(1_000)));
  await server?.close();
  await Promise.all(apps.map((a) => a.close()));
  await slack?.stop();
  await testDb?.drop();
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${base}/v1/admin${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.headers ?? {}) },
  });

async function send(template: string, to: string): Promise<string> {
  const response = await fetch(`${base}/v1/send`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ to, template, subject: "Hello", props: { firstName: "Ada" } }),
  });
  const body = (await response.json()) as { messageId: string };
  expect(response.status, JSON.stringify(body)).toBe(202);
  return body.messageId;
}

async function complain(to: string): Promise<void> {
  const now = new Date();
  const body = JSON.stringify({
    type: "email.complained",
    created_at: now.toISOString(),
    data: { created_at: now.toISOString(), email_id: `re_${randomUUID()}`, to: [to], subject: "Hi" },
  });
  const id = `msg_${randomUUID()}`;
  const response = await fetch(`${base}/v1/webhooks/resend`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(now.getTime() / 1000)),
      "svix-signature": new Webhook(RESEND_SECRET).sign(id, now, body),
    },
  });
  expect(response.status).toBe(200);
}

async function statuses(ids: readonly string[]) {
  const result = await testDb.db.query<{ id: string; status: string; attempts: number }>(
    "SELECT id, status, attempts FROM messages WHERE id = ANY($1::uuid[])",
    [ids],
  );
  return result.rows;
}

async function captured(ids: readonly string[]) {
  const result = await testDb.db.query<{ message_id: string; n: number }>(
    "SELECT message_id, count(*)::int AS n FROM captured_emails WHERE message_id = ANY($1::uuid[]) GROUP BY message_id",
    [ids],
  );
  return result.rows;
}

const sending = async () =>
  (
    (await (await admin("/sending")).json()) as {
      data: { paused: boolean; held: number; pausedBy: string | null };
    }
  ).data;

describe("reputation guard", () => {
  it("pauses marketing on critical complaints, keeps transactional flowing, and releases held mail once on resume", async () => {
    // 20 marketing emails go out normally.
    const before = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send("conversion-winback-offer", `early${i}@example.com`)),
    );
    await expect
      .poll(async () => (await statuses(before)).every((m) => m.status === "sent"), { timeout: 30_000 })
      .toBe(true);
    expect((await sending()).paused).toBe(false);

    // Two recipients complain: 2 of 20 = 10 %, far past the 0.3 % critical band.
    await complain("early0@example.com");
    await complain("early1@example.com");
    await expect.poll(async () => (await sending()).paused, { timeout: 20_000, interval: 200 }).toBe(true);
    expect((await sending()).pausedBy).toBe("rule:complaint_rate");

    // Marketing mail queued now is held; transactional mail still goes out.
    const held = await Promise.all(
      Array.from({ length: 5 }, (_, i) => send("conversion-winback-offer", `late${i}@example.com`)),
    );
    const receipt = await send("churn-payment-failed", "billing@example.com");
    await expect.poll(async () => (await statuses([receipt]))[0]?.status, { timeout: 20_000 }).toBe("sent");
    // Give both workers several claim rounds: the marketing mail stays queued, never claimed, never failed.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await statuses(held)).map((m) => [m.status, m.attempts])).toEqual(held.map(() => ["queued", 0]));
    expect((await sending()).held).toBe(5);

    // The guard alerted: the complaint rule is critical, and the pause itself is an alert.
    await expect
      .poll(() => slack.received.map((r) => String(r.body.text)).join("\n"), { timeout: 20_000 })
      .toContain("CRITICAL: reputation_guard");
    expect(slack.received.map((r) => String(r.body.text)).join("\n")).toContain("CRITICAL: complaint_rate");
    const overview = (await (await admin("/alerts")).json()) as {
      data: { alerts: Array<{ rule: string; status: string; severity: string | null }> };
    };
    expect(overview.data.alerts.find((a) => a.rule === "reputation_guard")).toMatchObject({
      status: "firing",
      severity: "critical",
    });

    // An admin resumes; the held mail goes out, each message exactly once.
    const resumed = await admin("/sending/resume", { method: "POST" });
    expect(resumed.status).toBe(200);
    expect(((await resumed.json()) as { data: { resumed: boolean } }).data.resumed).toBe(true);
    await expect
      .poll(async () => (await statuses(held)).every((m) => m.status === "sent"), { timeout: 20_000 })
      .toBe(true);
    expect((await captured(held)).map((c) => c.n)).toEqual(held.map(() => 1));
    expect((await captured(before)).every((c) => c.n === 1)).toBe(true);

    // Still critical, but the admin's resume holds for the rest of this incident: no second pause.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await sending()).paused).toBe(false);
    await expect
      .poll(() => slack.received.map((r) => String(r.body.text)).join("\n"), { timeout: 20_000 })
      .toContain("RESOLVED: reputation_guard");
    // Both changes are in the audit log: the guard's pause as the system, the resume as the admin's key.
    const audit = (await (await admin("/audit-log?targetType=sending")).json()) as {
      data: Array<{ action: string; actor: { type: string; name?: string } }>;
    };
    expect(audit.data.map((e) => [e.action, e.actor.type])).toEqual([
      ["sending.resumed", "api_key"],
      ["sending.paused", "system"],
    ]);
    // A second resume changes nothing.
    const again = await admin("/sending/resume", { method: "POST" });
    expect(((await again.json()) as { data: { resumed: boolean } }).data.resumed).toBe(false);
  }, 120_000);
});
