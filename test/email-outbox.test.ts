import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { type EmailDelivery, startEmailDelivery } from "../src/email/outbox/email-delivery.js";
import { recordOutcomes } from "../src/email/outbox/message-store.js";
import { createResendProvider } from "../src/email/providers/resend-provider.js";
import { enqueueEmail } from "../src/email/send-email.js";
import { VirtualClock } from "../src/lib/clock.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { FakeResendServer } from "./helpers/fake-resend-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-key-email-outbox-0123456789";
let database: TestDatabase;
let app: App;
let resend: FakeResendServer;
let delivery: EmailDelivery | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  resend = await new FakeResendServer().start();
  const config = loadConfig({
    NODE_ENV: "test",
    HOGSEND_API_KEY: ADMIN_KEY,
    EMAIL_PROVIDER: "resend",
    RESEND_API_KEY: resend.apiKey,
    RESEND_BASE_URL: resend.baseUrl,
    EMAIL_FROM: "Hogsend <hello@example.com>",
    EMAIL_RATE_LIMIT_PER_SECOND: "0",
    EMAIL_CONCURRENCY: "8",
    EMAIL_RETRY_BASE_MS: "100",
    EMAIL_MAX_ATTEMPTS: "3",
    EMAIL_SEND_TIMEOUT_MS: "2000",
    // Polling every minute: a prompt send proves LISTEN/NOTIFY woke the loop.
    HOGSEND_POLL_INTERVAL_MS: "60000",
  });
  app = await createApp(config, { templates: exampleTemplates, databaseUrl: database.url });
});

afterEach(async () => {
  await delivery?.stop(1_000);
  delivery = undefined;
});

afterAll(async () => {
  await app.close();
  await resend.stop();
  await database.drop();
});

async function startDelivery(leaseMs = 5_000): Promise<EmailDelivery> {
  delivery = await startEmailDelivery({
    db: app.db,
    templates: app.templates,
    config: app.config,
    logger: app.logger,
    provider: createResendProvider({ apiKey: resend.apiKey, baseUrl: resend.baseUrl, timeoutMs: 2_000 }),
    leaseMs,
  });
  return delivery;
}

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function message(id: string) {
  const result = await app.db.query("SELECT * FROM messages WHERE id = $1", [id]);
  const row = result.rows[0];
  if (!row) throw new Error(`no message ${id}`);
  return row;
}

const api = () => buildApi(app);
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

describe("outbox delivery", () => {
  it("sends a queued email promptly (LISTEN/NOTIFY), with the message id as Idempotency-Key", async () => {
    await startDelivery();
    const { messageId } = await enqueueEmail(app.db, app.templates, {
      to: "ada@example.com",
      userId: "user-ada",
      template: "activation/welcome",
      subject: "Welcome, Ada",
      props: { firstName: "Ada" },
    });
    const row = await waitFor(
      () => message(messageId),
      (m) => m.status === "sent",
      3_000,
    );
    expect(row.provider).toBe("resend");
    expect(row.provider_message_id).toMatch(/[0-9a-f-]{36}/);
    expect(row.attempts).toBe(1);
    expect(row.html).toContain("Hi Ada,");
    expect(row.headers["Message-ID"]).toBe(`<${messageId}@example.com>`);
    const request = resend.requests.find((r) => r.body.subject === "Welcome, Ada");
    expect(request?.idempotencyKey).toBe(messageId);
    expect(request?.body.text).toContain("Hi Ada,");
  });

  it("schedules retries on its clock: a virtual clock holds a retry until it is advanced", async () => {
    // Ahead of the database's own time, so a message queued now is already due on this clock.
    const clock = new VirtualClock(Date.now() + 60_000);
    delivery = await startEmailDelivery({
      db: app.db,
      templates: app.templates,
      config: app.config,
      logger: app.logger,
      provider: createResendProvider({ apiKey: resend.apiKey, baseUrl: resend.baseUrl, timeoutMs: 2_000 }),
      clock,
    });
    resend.failNext({ status: 429, retryAfterSeconds: 600 });
    const { messageId } = await enqueueEmail(app.db, app.templates, {
      to: "virtual@example.com",
      template: "activation/nudge",
      subject: "Virtual time",
    });
    const retrying = await waitFor(
      () => message(messageId),
      (m) => m.status === "queued" && m.attempts === 1,
    );
    expect(retrying.next_attempt_at.getTime()).toBe(clock.now().getTime() + 600_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await message(messageId)).status).toBe("queued");
    clock.advance(600_000);
    const sent = await waitFor(
      () => message(messageId),
      (m) => m.status === "sent",
    );
    expect(sent.attempts).toBe(2);
    expect(sent.sent_at.getTime()).toBeGreaterThanOrEqual(clock.now().getTime());
  });

  it("retries a 5xx with backoff and then sends; honours Retry-After on 429", async () => {
    await startDelivery();
    resend.failNext({ status: 503 }, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const { messageId } = await enqueueEmail(app.db, app.templates, {
      to: "retry@example.com",
      template: "activation/nudge",
      subject: "Retry me",
    });
    const row = await waitFor(
      () => message(messageId),
      (m) => m.status === "sent",
      8_000,
    );
    expect(row.attempts).toBe(3);
    // Backoff ~100 ms, then the 1 s Retry-After.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(resend.requests.filter((r) => r.idempotencyKey === messageId)).toHaveLength(3);
    expect(resend.accepted.filter((r) => r.idempotencyKey === messageId)).toHaveLength(1);
  });

  it("fails at once on a permanent error and gives up after max attempts on transient ones", async () => {
    await startDelivery();
    const invalid = await enqueueEmail(app.db, app.templates, {
      to: "invalid@example.com",
      template: "activation/nudge",
      subject: "x",
    });
    const bad = await waitFor(
      () => message(invalid.messageId),
      (m) => m.status === "failed",
    );
    expect(bad.attempts).toBe(1);
    expect(bad.status_reason).toMatch(/422/);

    resend.failNext({ status: 500 }, { status: 500 }, { status: 500 });
    const flaky = await enqueueEmail(app.db, app.templates, {
      to: "flaky@example.com",
      template: "activation/nudge",
      subject: "y",
    });
    const gaveUp = await waitFor(
      () => message(flaky.messageId),
      (m) => m.status === "failed",
    );
    expect(gaveUp.attempts).toBe(3);
    expect(gaveUp.status_reason).toMatch(/gave up after 3 attempts/);
  });

  it("checks deliverability before the provider: suppressed and unsubscribed are recorded, not sent", async () => {
    await app.db.query(
      "INSERT INTO suppressions (email, reason, source) VALUES ('bounced@example.com', 'hard_bounce', 'admin')",
    );
    await app.db.query(
      "INSERT INTO contacts (user_id, email, unsubscribed_at) VALUES ('user-gone', 'gone@example.com', now())",
    );
    await startDelivery();
    const before = resend.requests.length;
    const suppressed = await enqueueEmail(app.db, app.templates, {
      to: "bounced@example.com",
      template: "churn-payment-failed",
      subject: "s",
    });
    const unsubscribed = await enqueueEmail(app.db, app.templates, {
      to: "gone@example.com",
      userId: "user-gone",
      template: "activation/nudge",
      subject: "u",
    });
    // Transactional mail is exempt from unsubscribe.
    const transactional = await enqueueEmail(app.db, app.templates, {
      to: "gone@example.com",
      userId: "user-gone",
      template: "churn-payment-failed",
      subject: "Your payment failed",
    });
    const s = await waitFor(
      () => message(suppressed.messageId),
      (m) => m.status !== "queued" && m.status !== "sending",
    );
    const u = await waitFor(
      () => message(unsubscribed.messageId),
      (m) => m.status !== "queued" && m.status !== "sending",
    );
    const t = await waitFor(
      () => message(transactional.messageId),
      (m) => m.status === "sent",
    );
    expect([s.status, s.status_reason]).toEqual(["suppressed", "suppressed:hard_bounce"]);
    expect([u.status, u.status_reason]).toEqual(["skipped", "unsubscribed"]);
    expect(t.category).toBe("transactional");
    expect(resend.requests.slice(before).map((r) => r.body.subject)).toEqual(["Your payment failed"]);
  });

  it("retakes a message whose worker died mid-send, and a worker that lost its lease records nothing", async () => {
    const { messageId } = await enqueueEmail(app.db, app.templates, {
      to: "orphan@example.com",
      template: "activation/nudge",
      subject: "o",
    });
    // A worker claimed it and died: status sending, lease already expired.
    await app.db.query(
      `UPDATE messages SET status = 'sending', lease_owner = 'dead-worker', attempts = 1,
              lease_expires_at = now() - interval '1 second' WHERE id = $1`,
      [messageId],
    );
    const live = await startDelivery(1_000);
    const row = await waitFor(
      () => message(messageId),
      (m) => m.status === "sent",
    );
    expect(row.attempts).toBe(2);
    const changed = await recordOutcomes(
      app.db,
      "dead-worker",
      [{ kind: "failed", id: messageId, error: "late" }],
      new Date(),
    );
    expect(changed).toBe(0);
    expect((await message(messageId)).status).toBe("sent");
    expect(live.stats().sent).toBeGreaterThanOrEqual(1);
  });

  it("keeps the lease of a slow send alive, so a second worker does not retake and resend it", async () => {
    const slow = await new FakeResendServer({ latencyMs: 1_500 }).start();
    const loops: EmailDelivery[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        loops.push(
          await startEmailDelivery({
            db: app.db,
            templates: app.templates,
            config: app.config,
            logger: app.logger,
            provider: createResendProvider({ apiKey: slow.apiKey, baseUrl: slow.baseUrl, timeoutMs: 5_000 }),
            leaseMs: 600,
          }),
        );
      }
      const { messageId } = await enqueueEmail(app.db, app.templates, {
        to: "slow@example.com",
        template: "activation/nudge",
        subject: "slow",
      });
      await waitFor(
        () => message(messageId),
        (m) => m.status === "sent",
        8_000,
      );
      expect(slow.requests.filter((r) => r.idempotencyKey === messageId)).toHaveLength(1);
    } finally {
      for (const loop of loops) await loop.stop(2_000);
      await slow.stop();
    }
  });

  it("fails a message whose template no longer exists without calling the provider", async () => {
    await startDelivery();
    const before = resend.requests.length;
    const inserted = await app.db.query<{ id: string }>(
      `INSERT INTO messages (to_email, template, subject, category) VALUES ('t@example.com', 'gone/template', 's', 'product')
       RETURNING id`,
    );
    const id = inserted.rows[0]!.id;
    const row = await waitFor(
      () => message(id),
      (m) => m.status === "failed",
    );
    expect(row.status_reason).toMatch(/Unknown email template "gone\/template"/);
    expect(resend.requests.length).toBe(before);
  });
});

describe("POST /v1/send and the admin messages API", () => {
  it("queues a transactional send with an ingest or admin key, idempotently", async () => {
    const body = {
      to: "api@example.com",
      userId: "user-api",
      template: "conversion-winback-offer",
      subject: "Hi",
      props: { discountPercent: 10 },
    };
    const first = await api().request("/v1/send", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json", "idempotency-key": "order-42" },
      body: JSON.stringify(body),
    });
    expect(first.status).toBe(202);
    const created = (await first.json()) as { messageId: string; status: string };
    expect(created.status).toBe("queued");
    const again = await api().request("/v1/send", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json", "idempotency-key": "order-42" },
      body: JSON.stringify(body),
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { messageId: string }).messageId).toBe(created.messageId);
    const row = await message(created.messageId);
    expect([row.category, row.props.discountPercent]).toEqual(["marketing", 10]);
  });

  it("rejects unknown templates, bad props and missing keys", async () => {
    const post = (body: unknown, headers: Record<string, string> = admin) =>
      api().request("/v1/send", {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const unknown = await post({ to: "a@example.com", template: "nope", subject: "s" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("TEMPLATE_NOT_FOUND");
    const badProps = await post({
      to: "a@example.com",
      template: "conversion-winback-offer",
      subject: "s",
      props: { discountPercent: 500 },
    });
    expect(badProps.status).toBe(400);
    const badTo = await post({ to: "not-an-address", template: "activation/welcome", subject: "s" });
    expect(badTo.status).toBe(400);
    const noKey = await post({ to: "a@example.com", template: "activation/welcome", subject: "s" }, {});
    expect(noKey.status).toBe(401);
  });

  it("lists messages by user, address, template and status with cursor pagination, and shows one with HTML", async () => {
    await startDelivery();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await enqueueEmail(app.db, app.templates, {
            to: "list@example.com",
            userId: "user-list",
            template: "activation/welcome",
            subject: `L${i}`,
          })
        ).messageId,
      );
    }
    await waitFor(
      () => Promise.all(ids.map(message)),
      (rows) => rows.every((r) => r.status === "sent"),
    );
    const page1 = await api().request("/v1/admin/messages?userId=user-list&limit=2", { headers: admin });
    const body1 = (await page1.json()) as {
      data: Array<{ id: string; status: string; events: unknown[] }>;
      nextCursor: string;
    };
    expect(body1.data.map((m) => m.id)).toEqual([ids[2], ids[1]]);
    expect(body1.data[0]?.status).toBe("sent");
    expect(body1.data[0]?.events).toEqual([]);
    const page2 = await api().request(
      `/v1/admin/messages?userId=user-list&limit=2&cursor=${body1.nextCursor}`,
      { headers: admin },
    );
    const body2 = (await page2.json()) as { data: Array<{ id: string }>; nextCursor: string | null };
    expect(body2.data.map((m) => m.id)).toEqual([ids[0]]);
    expect(body2.nextCursor).toBeNull();
    const byEmail = (await (
      await api().request(
        "/v1/admin/messages?email=LIST@example.com&template=activation/welcome&status=sent",
        { headers: admin },
      )
    ).json()) as { data: unknown[] };
    expect(byEmail.data).toHaveLength(3);
    const one = await api().request(`/v1/admin/messages/${ids[0]}`, { headers: admin });
    const detail = (
      (await one.json()) as { data: { html: string; headers: Record<string, string>; subject: string } }
    ).data;
    expect(detail.subject).toBe("L0");
    expect(detail.html).toContain("Welcome to Hogsend");
    expect(detail.headers["X-Hogsend-Message-Id"]).toBe(ids[0]);
    expect(
      (await api().request("/v1/admin/messages/00000000-0000-4000-8000-000000000000", { headers: admin }))
        .status,
    ).toBe(404);
    expect((await api().request("/v1/admin/messages")).status).toBe(401);
  });

  it("previews templates over the admin API", async () => {
    const res = await api().request(
      `/v1/admin/templates/churn-payment-failed/preview?props=${encodeURIComponent('{"gracePeriodDays":1,"firstName":"Grace"}')}`,
      { headers: admin },
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Hi Grace,");
    expect(html).toContain("downgraded tomorrow");
    const nested = await api().request("/v1/admin/templates/activation/welcome/preview?format=text", {
      headers: admin,
    });
    expect(await nested.text()).toContain("WELCOME TO HOGSEND");
    const missing = await api().request("/v1/admin/templates/nope/preview", { headers: admin });
    expect(missing.status).toBe(404);
    const list = (await (await api().request("/v1/admin/templates", { headers: admin })).json()) as {
      data: Array<{ key: string }>;
    };
    expect(list.data.map((t) => t.key)).toContain("conversion-winback-offer");
  });
});
