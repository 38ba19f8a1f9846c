import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AlertEvaluator, startAlertEvaluator } from "../src/alerts/alert-evaluator.js";
import { resolveAlertSettings } from "../src/alerts/alert-settings.js";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { VirtualClock } from "../src/lib/clock.js";
import { FakeAlertReceiver } from "./helpers/fake-alert-receivers.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-key-alerts-0123456789";
const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const MINUTE = 60_000;

let testDb: TestDatabase;
let slack: FakeAlertReceiver;
let hook: FakeAlertReceiver;
let app: App;
const evaluators: AlertEvaluator[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  slack = await new FakeAlertReceiver().start();
  hook = await new FakeAlertReceiver({ secret: SECRET }).start();
  const config = loadConfig({
    NODE_ENV: "test",
    HOGSEND_API_KEY: ADMIN_KEY,
    HOGSEND_ALERTS_SLACK_URL: slack.url,
    HOGSEND_ALERTS_WEBHOOK_URL: hook.url,
    HOGSEND_ALERTS_WEBHOOK_SECRET: SECRET,
    HOGSEND_ALERTS_EMAIL: "ops@example.com, oncall@example.com",
    HOGSEND_ALERTS_MIN_VOLUME: "100",
  });
  app = await createApp(config, {
    databaseUrl: testDb.url,
    alerts: { cooldownMinutes: 30, reputationGuard: false },
  });
});
afterAll(async () => {
  await app?.close();
  await slack?.stop();
  await hook?.stop();
  await testDb?.drop();
});
beforeEach(async () => {
  await testDb.db.query(
    `TRUNCATE alert_history, alert_notifications, alert_state, messages, message_events, webhook_receipts, journey_runs CASCADE;
     UPDATE alert_leases SET owner = NULL, expires_at = NULL;
     UPDATE sending_pause SET paused_at = NULL, resumed_at = NULL, resumed_by = NULL, paused_by = NULL`,
  );
  slack.received.length = 0;
  hook.received.length = 0;
});
afterEach(async () => {
  for (const evaluator of evaluators.splice(0)) await evaluator.stop();
});

function evaluator(clock: VirtualClock, overrides: Parameters<typeof resolveAlertSettings>[0] = {}) {
  const started = startAlertEvaluator({
    db: app.db,
    clock,
    logger: app.logger,
    settings: resolveAlertSettings(
      // No worker delivers the alert emails here, so on the virtual clock they would raise outbox_lag.
      { cooldownMinutes: 30, webhooksSilent: false, reputationGuard: false, outboxLag: false, ...overrides },
      100,
    ),
    channels: app.config.alerts,
    templates: app.templates,
    // The tests drive evaluations themselves; the timer would only add one at start.
    intervalMs: 3_600_000,
  });
  evaluators.push(started);
  return started;
}

/** `sent` messages sent a minute before `at`, and `complaints` complaints about them. */
async function traffic(at: Date, sent: number, complaints: number, hardBounces = 0) {
  const when = new Date(at.getTime() - MINUTE).toISOString();
  await testDb.db.query(
    `INSERT INTO messages (to_email, template, subject, category, status, sent_at, created_at)
     SELECT 'u' || i || '@example.com', 'activation/welcome', 'Hi', 'marketing', 'sent', $2, $2
       FROM generate_series(1, $1) i`,
    [sent, when],
  );
  await testDb.db.query(
    `INSERT INTO message_events (email, type, bounce_kind, source, occurred_at)
     SELECT 'c' || i || '@example.com', t.type, t.kind, 'resend', $3
       FROM (SELECT 'complained' AS type, NULL AS kind, generate_series(1, $1) AS i
             UNION ALL SELECT 'bounced', 'hard', generate_series(1, $2)) t`,
    [complaints, hardBounces, when],
  );
}

const slackTexts = () => slack.received.map((r) => String(r.body.text));

async function alertEmails() {
  const result = await testDb.db.query<{ to_email: string; subject: string; category: string }>(
    "SELECT to_email, subject, category FROM messages WHERE template = 'hogsend/alert' ORDER BY created_at, to_email",
  );
  return result.rows;
}

describe("alerts", () => {
  it("opens a complaint alert once, repeats it after the cooldown, and resolves it, on every channel", async () => {
    const clock = new VirtualClock(new Date());
    const alerts = evaluator(clock);
    await traffic(clock.now(), 1000, 2); // 0.2 %: warning
    for (let i = 0; i < 5; i++) {
      expect(await alerts.evaluate()).toBe(true);
      await alerts.deliver();
      clock.advance(MINUTE);
    }
    expect(slackTexts()).toHaveLength(1);
    expect(slackTexts()[0]).toContain("WARNING: complaint_rate");
    expect(slackTexts()[0]).toContain("0.2 %");

    // Past the 30-minute cooldown the still-firing alert is sent once more.
    clock.advance(30 * MINUTE);
    await traffic(clock.now(), 1000, 2);
    await alerts.evaluate();
    await alerts.deliver();
    await alerts.evaluate();
    await alerts.deliver();
    expect(slackTexts()).toHaveLength(2);
    expect(slackTexts()[1]).toContain("still firing");

    // An hour later the window holds only clean traffic: resolved, once.
    clock.advance(61 * MINUTE);
    await traffic(clock.now(), 500, 0);
    await alerts.evaluate();
    await alerts.deliver();
    await alerts.evaluate();
    await alerts.deliver();
    expect(slackTexts()).toHaveLength(3);
    expect(slackTexts()[2]).toContain("RESOLVED: complaint_rate");

    // The generic webhook got the same three, each verified by svix against the shared secret.
    expect(hook.rejected).toBe(0);
    expect(hook.received.map((r) => (r.body as { type: string }).type)).toEqual([
      "alert.opened",
      "alert.repeated",
      "alert.resolved",
    ]);
    const opened = hook.received[0]!.body as { alert: { rule: string; severity: string; value: number } };
    expect(opened.alert).toMatchObject({ rule: "complaint_rate", severity: "warning" });
    expect(opened.alert.value).toBeCloseTo(0.2);
    // Email: one transactional message per address per transition.
    const emails = await alertEmails();
    expect(emails).toHaveLength(6);
    expect(new Set(emails.map((e) => e.to_email))).toEqual(
      new Set(["ops@example.com", "oncall@example.com"]),
    );
    expect(emails.every((e) => e.category === "transactional")).toBe(true);
    expect(emails[0]!.subject).toContain("WARNING: complaint_rate");

    // History in the admin API, newest first, paged with a cursor.
    const api = buildApi(app);
    const headers = { authorization: `Bearer ${ADMIN_KEY}` };
    const first = await api.request("/v1/admin/alerts/history?rule=complaint_rate&limit=2", { headers });
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as {
      data: Array<{ kind: string; notifications: unknown[] }>;
      nextCursor: string;
    };
    expect(page1.data.map((e) => e.kind)).toEqual(["resolved", "repeated"]);
    expect(page1.data[0]!.notifications).toHaveLength(3);
    const second = await api.request(
      `/v1/admin/alerts/history?rule=complaint_rate&limit=2&cursor=${page1.nextCursor}`,
      { headers },
    );
    const page2 = (await second.json()) as { data: Array<{ kind: string }>; nextCursor: string | null };
    expect(page2.data.map((e) => e.kind)).toEqual(["opened"]);
    expect(page2.nextCursor).toBeNull();
    const current = await api.request("/v1/admin/alerts", { headers });
    const body = (await current.json()) as { data: { alerts: Array<{ rule: string; status: string }> } };
    expect(body.data.alerts.find((a) => a.rule === "complaint_rate")?.status).toBe("ok");
    const bad = await api.request("/v1/admin/alerts/history?cursor=not-a-cursor", { headers });
    expect(bad.status).toBe(400);
  });

  it("escalates to critical at once and stays quiet under the minimum volume", async () => {
    const clock = new VirtualClock(new Date());
    const alerts = evaluator(clock);
    await traffic(clock.now(), 50, 5); // 10 %, but only 50 sends: below the minimum volume of 100
    await alerts.evaluate();
    await alerts.deliver();
    expect(slackTexts()).toEqual([]);
    await traffic(clock.now(), 950, 0); // 5 of 1000 = 0.5 %: critical
    clock.advance(MINUTE);
    await alerts.evaluate();
    await alerts.deliver();
    expect(slackTexts()).toHaveLength(1);
    expect(slackTexts()[0]).toContain("CRITICAL: complaint_rate");
  });

  it("retries a channel that fails and delivers the notification once it is back", async () => {
    const clock = new VirtualClock(new Date());
    const alerts = evaluator(clock);
    slack.failNext(503, 2);
    await traffic(clock.now(), 1000, 0, 30); // 3 % hard bounces: warning
    await alerts.evaluate();
    expect(await alerts.deliver()).toBe(3);
    expect(slackTexts()).toEqual([]);
    clock.advance(20_000);
    await alerts.deliver(); // second failure
    expect(slackTexts()).toEqual([]);
    clock.advance(60_000);
    await alerts.deliver();
    expect(slackTexts()).toHaveLength(1);
    expect(slackTexts()[0]).toContain("bounce_rate");
    const rows = await testDb.db.query<{ channel: string; status: string; attempts: number }>(
      "SELECT channel, status, attempts FROM alert_notifications ORDER BY channel",
    );
    expect(rows.rows).toEqual([
      { channel: "email", status: "sent", attempts: 1 },
      { channel: "slack", status: "sent", attempts: 3 },
      { channel: "webhook", status: "sent", attempts: 1 },
    ]);
  });

  it("gives up on a channel that refuses the payload, without stopping the others", async () => {
    const clock = new VirtualClock(new Date());
    const alerts = evaluator(clock);
    slack.failNext(404, 1);
    await traffic(clock.now(), 1000, 0, 30);
    await alerts.evaluate();
    await alerts.deliver();
    const rows = await testDb.db.query<{ channel: string; status: string }>(
      "SELECT channel, status FROM alert_notifications ORDER BY channel",
    );
    expect(rows.rows).toEqual([
      { channel: "email", status: "sent" },
      { channel: "slack", status: "failed" },
      { channel: "webhook", status: "sent" },
    ]);
  });

  it("evaluates on one worker at a time, and another takes over when its lease lapses", async () => {
    const clock = new VirtualClock(new Date());
    const a = evaluator(clock);
    const b = evaluator(clock);
    await traffic(clock.now(), 1000, 2);
    const both = await Promise.all([a.evaluate(), b.evaluate(), a.evaluate(), b.evaluate()]);
    expect(both.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(both[0] === both[1]).toBe(false);
    const history = await testDb.db.query("SELECT rule, kind FROM alert_history");
    expect(history.rows).toEqual([{ rule: "complaint_rate", kind: "opened" }]);
    // Without renewal the lease (three intervals) lapses and the other worker evaluates.
    const holder = both[0] ? a : b;
    const other = both[0] ? b : a;
    clock.advance(3 * 3_600_000 + 1);
    expect(await other.evaluate()).toBe(true);
    expect(await holder.evaluate()).toBe(false);
  });

  it("alerts on stranded runs (due, unclaimed: no worker running) and on silent provider webhooks", async () => {
    const clock = new VirtualClock(new Date());
    const alerts = evaluator(clock, { webhooksSilent: { hours: 1 } });
    const due = new Date(clock.now().getTime() - 15 * MINUTE).toISOString();
    await testDb.db.query(
      `INSERT INTO journey_runs (journey_id, user_id, status, due_at, created_at, updated_at)
       VALUES ('welcome', 'u1', 'active', $1, $1, $1)`,
      [due],
    );
    await traffic(clock.now(), 200, 0);
    await alerts.evaluate();
    await alerts.deliver();
    const texts = slackTexts().join("\n");
    expect(texts).toContain("CRITICAL: stranded_runs");
    expect(texts).toContain("is a worker running?");
    expect(texts).toContain("WARNING: webhooks_silent");
    // A webhook arrives and a worker claims the run: both resolve.
    await testDb.db.query(
      "INSERT INTO webhook_receipts (provider, delivery_id, received_at) VALUES ('resend', 'x', $1)",
      [clock.now().toISOString()],
    );
    await testDb.db.query("UPDATE journey_runs SET status = 'completed', due_at = NULL");
    clock.advance(MINUTE);
    await alerts.evaluate();
    await alerts.deliver();
    expect(
      slackTexts()
        .filter((t) => t.includes("RESOLVED"))
        .sort(),
    ).toEqual([expect.stringContaining("stranded_runs"), expect.stringContaining("webhooks_silent")]);
  });

  it("pauses on a critical rate and resumes by itself after the rates stay under warn for the configured time", async () => {
    const clock = new VirtualClock(new Date());
    const alerts = evaluator(clock, { reputationGuard: { resumeAfterMinutes: 30 } });
    await traffic(clock.now(), 1000, 0, 60); // 6 % hard bounces: critical
    await alerts.evaluate();
    const pause = await testDb.db.query<{ paused_at: Date | null; paused_by: string }>(
      "SELECT paused_at, paused_by FROM sending_pause",
    );
    expect(pause.rows[0]).toMatchObject({ paused_by: "rule:bounce_rate" });
    expect(pause.rows[0]!.paused_at).not.toBeNull();

    // The window moves past the bounces; clean traffic: calm from here on, but not yet for 30 minutes.
    clock.advance(61 * MINUTE);
    await traffic(clock.now(), 500, 0);
    await alerts.evaluate();
    clock.advance(20 * MINUTE);
    await traffic(clock.now(), 500, 0);
    await alerts.evaluate();
    expect((await testDb.db.query("SELECT 1 FROM sending_pause WHERE paused_at IS NOT NULL")).rowCount).toBe(
      1,
    );
    clock.advance(11 * MINUTE);
    await traffic(clock.now(), 500, 0);
    await alerts.evaluate();
    const after = await testDb.db.query<{ paused_at: Date | null; resumed_by: string }>(
      "SELECT paused_at, resumed_by FROM sending_pause",
    );
    expect(after.rows[0]).toEqual({ paused_at: null, resumed_by: "guard" });
    const guard = await testDb.db.query<{ kind: string }>(
      "SELECT kind FROM alert_history WHERE rule = 'reputation_guard' ORDER BY id",
    );
    // Paused for over an hour: repeated once after the 30-minute cooldown, then resolved.
    expect(guard.rows.map((r) => r.kind)).toEqual(["opened", "repeated", "resolved"]);
    const audit = await testDb.db.query<{ action: string; actor_type: string }>(
      "SELECT action, actor_type FROM audit_log WHERE target_type = 'sending' ORDER BY id",
    );
    expect(audit.rows).toEqual([
      { action: "sending.paused", actor_type: "system" },
      { action: "sending.resumed", actor_type: "system" },
    ]);
  });

  it("resolves an alert whose rule is turned off while it fires", async () => {
    const clock = new VirtualClock(new Date());
    const first = evaluator(clock);
    await traffic(clock.now(), 1000, 2);
    await first.evaluate();
    await first.stop(); // releases the lease
    const reconfigured = evaluator(clock, { complaintRate: false });
    clock.advance(MINUTE);
    expect(await reconfigured.evaluate()).toBe(true);
    const history = await testDb.db.query<{ kind: string; summary: string }>(
      "SELECT kind, summary FROM alert_history WHERE rule = 'complaint_rate' ORDER BY id",
    );
    expect(history.rows.map((r) => r.kind)).toEqual(["opened", "resolved"]);
    expect(history.rows[1]!.summary).toContain("turned off");
  });
});
