import { randomBytes, randomUUID } from "node:crypto";
import { Webhook } from "svix";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmailWebhookRoutes } from "../src/api/email-webhook-routes.js";
import { loadConfig } from "../src/config.js";
import { createPolicyApi, insertSentMessage } from "./helpers/email-policy-api.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const RESEND_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const config = loadConfig({
  NODE_ENV: "test",
  RESEND_WEBHOOK_SECRET: RESEND_SECRET,
  POSTMARK_WEBHOOK_USER: "postmark",
  POSTMARK_WEBHOOK_PASS: "hook-pass-1234",
  POSTMARK_WEBHOOK_SECRET: "header-secret-5678",
  HOGSEND_SOFT_BOUNCE_THRESHOLD: "3",
  HOGSEND_SOFT_BOUNCE_WINDOW_HOURS: "72",
});

let testDb: TestDatabase;
let api: ReturnType<typeof createPolicyApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  api = createPolicyApi(testDb.db, [(context) => createEmailWebhookRoutes(context, { email: config.email })]);
});
afterAll(async () => {
  await testDb?.drop();
});
beforeEach(async () => {
  await testDb.db.query(
    "TRUNCATE suppressions, webhook_receipts, message_events, messages, contacts, events, event_routing_queue",
  );
});

// Payloads as Resend sends them (https://resend.com/docs/webhooks): `{ type, created_at, data }`.
function resendPayload(type: string, data: Record<string, unknown>, createdAt = new Date()) {
  return JSON.stringify({
    type,
    created_at: createdAt.toISOString(),
    data: {
      created_at: createdAt.toISOString(),
      email_id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
      from: "Acme <onboarding@resend.dev>",
      to: ["delivered@resend.dev"],
      subject: "Sending this example",
      ...data,
    },
  });
}

function signResend(body: string, id = `msg_${randomUUID()}`, secret = RESEND_SECRET) {
  const timestamp = new Date();
  return {
    "svix-id": id,
    "svix-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "svix-signature": new Webhook(secret).sign(id, timestamp, body),
    "content-type": "application/json",
  };
}

const postResend = (body: string, headers: Record<string, string>) =>
  api.request("/v1/webhooks/resend", { method: "POST", body, headers });

async function counts() {
  const result = await testDb.db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM suppressions) AS suppressions,
            (SELECT count(*)::int FROM webhook_receipts) AS receipts,
            (SELECT count(*)::int FROM message_events) AS message_events,
            (SELECT count(*)::int FROM events) AS events`,
  );
  return result.rows[0]!;
}

const nothing = { suppressions: 0, receipts: 0, message_events: 0, events: 0 };

describe("Resend webhooks", () => {
  it("suppresses the address on a hard bounce and records message and store events", async () => {
    const messageId = await insertSentMessage(testDb.db, {
      userId: "user-1",
      email: "Bouncy@Example.com",
      providerMessageId: "re_123",
    });
    const body = resendPayload("email.bounced", {
      email_id: "re_123",
      to: ["Bouncy@Example.com"],
      bounce: {
        message: "The recipient's mailbox does not exist.",
        subType: "General",
        type: "Permanent",
      },
    });
    const res = await postResend(body, signResend(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "processed" });

    const suppression = await testDb.db.query("SELECT email, reason, source FROM suppressions");
    expect(suppression.rows).toEqual([
      { email: "bouncy@example.com", reason: "hard_bounce", source: "resend" },
    ]);
    const events = await testDb.db.query("SELECT message_id, type, bounce_kind, email FROM message_events");
    expect(events.rows).toEqual([
      { message_id: messageId, type: "bounced", bounce_kind: "hard", email: "bouncy@example.com" },
    ]);
    const stored = await testDb.db.query("SELECT event, user_id, source, properties FROM events");
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]).toMatchObject({
      event: "email.bounced",
      user_id: "user-1",
      source: "webhook",
      properties: { emailMessageId: messageId, bounceType: "hard", suppressed: "hard_bounce" },
    });
  });

  it("matches a message by the hogsend_message_id tag when the provider id is unknown", async () => {
    const messageId = await insertSentMessage(testDb.db, { userId: "user-2", email: "tagged@example.com" });
    const body = resendPayload("email.delivered", {
      email_id: "re_unknown",
      to: ["tagged@example.com"],
      tags: { hogsend_message_id: messageId },
    });
    expect((await postResend(body, signResend(body))).status).toBe(200);
    const rows = await testDb.db.query("SELECT message_id, type FROM message_events");
    expect(rows.rows).toEqual([{ message_id: messageId, type: "delivered" }]);
    const stored = await testDb.db.query("SELECT event, user_id FROM events");
    expect(stored.rows).toEqual([{ event: "email.delivered", user_id: "user-2" }]);
  });

  it("processes a redelivered svix-id once", async () => {
    await insertSentMessage(testDb.db, { userId: "u", email: "a@example.com", providerMessageId: "re_1" });
    const body = resendPayload("email.complained", { email_id: "re_1", to: ["a@example.com"] });
    const headers = signResend(body, "msg_same");
    const first = await postResend(body, headers);
    const second = await postResend(body, headers);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ status: "duplicate" });
    expect(await counts()).toEqual({ suppressions: 1, receipts: 1, message_events: 1, events: 1 });
  });

  it("rejects forged, unsigned and tampered deliveries with 401 and changes nothing", async () => {
    await insertSentMessage(testDb.db, { userId: "u", email: "a@example.com", providerMessageId: "re_1" });
    const body = resendPayload("email.bounced", {
      email_id: "re_1",
      to: ["a@example.com"],
      bounce: { type: "Permanent", subType: "General", message: "gone" },
    });
    const forged = await postResend(body, signResend(body, "msg_forged", OTHER_SECRET));
    const unsigned = await postResend(body, { "content-type": "application/json" });
    const original = signResend(body, "msg_tamper");
    const tampered = await postResend(body.replace("a@example.com", "b@example.com"), original);
    const stale = signResend(body, "msg_old");
    stale["svix-timestamp"] = String(Math.floor(Date.now() / 1000) - 3600);
    const replayedLate = await postResend(body, stale);
    for (const res of [forged, unsigned, tampered, replayedLate]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    }
    expect(await counts()).toEqual(nothing);
  });

  it("suppresses after the soft-bounce threshold within the window, not before", async () => {
    await insertSentMessage(testDb.db, { userId: "u", email: "soft@example.com", providerMessageId: "re_s" });
    const soft = (at: Date) =>
      resendPayload(
        "email.bounced",
        {
          email_id: "re_s",
          to: ["soft@example.com"],
          bounce: { type: "Transient", subType: "MailboxFull", message: "Mailbox full" },
        },
        at,
      );
    const now = Date.now();
    // One soft bounce far outside the 72 h window does not count towards the threshold.
    const old = soft(new Date(now - 10 * 24 * 3_600_000));
    await postResend(old, signResend(old));
    for (const hoursAgo of [48, 24]) {
      const body = soft(new Date(now - hoursAgo * 3_600_000));
      expect((await postResend(body, signResend(body))).status).toBe(200);
    }
    expect((await counts()).suppressions).toBe(0);
    const third = soft(new Date(now));
    const res = await postResend(third, signResend(third));
    expect(await res.json()).toMatchObject({ suppressed: ["soft@example.com:soft_bounce"] });
    const rows = await testDb.db.query("SELECT reason FROM suppressions WHERE email = 'soft@example.com'");
    expect(rows.rows).toEqual([{ reason: "soft_bounce" }]);
  });

  it("records opens and clicks without suppressing, and ignores event types it does not act on", async () => {
    await insertSentMessage(testDb.db, { userId: "u3", email: "c@example.com", providerMessageId: "re_c" });
    const open = resendPayload("email.opened", { email_id: "re_c", to: ["c@example.com"] });
    const click = resendPayload("email.clicked", {
      email_id: "re_c",
      to: ["c@example.com"],
      click: {
        ipAddress: "122.115.53.11",
        link: "https://resend.com",
        timestamp: "2024-11-24T05:00:57.163Z",
        userAgent: "Mozilla/5.0",
      },
    });
    const sent = resendPayload("email.sent", { email_id: "re_c", to: ["c@example.com"] });
    for (const body of [open, click]) expect((await postResend(body, signResend(body))).status).toBe(200);
    const ignored = await postResend(sent, signResend(sent));
    expect(await ignored.json()).toEqual({ status: "ignored" });
    const rows = await testDb.db.query("SELECT type, details FROM message_events ORDER BY id");
    expect(rows.rows.map((r) => r.type)).toEqual(["opened", "clicked"]);
    expect(rows.rows[1]?.details).toMatchObject({ link: "https://resend.com" });
    const stored = await testDb.db.query("SELECT event FROM events ORDER BY id");
    expect(stored.rows.map((r) => r.event)).toEqual(["email.opened", "email.clicked"]);
    expect((await counts()).suppressions).toBe(0);
  });
});

// Payloads as Postmark sends them (https://postmarkapp.com/developer/webhooks/webhooks-overview).
function postmarkBounce(overrides: Record<string, unknown> = {}) {
  return JSON.stringify({
    RecordType: "Bounce",
    MessageStream: "outbound",
    ID: 4323372036854775,
    Type: "HardBounce",
    TypeCode: 1,
    Name: "Hard bounce",
    Tag: "Test",
    MessageID: "883953f4-6105-42a2-a16a-77a8eac79483",
    Metadata: { a_key: "a_value" },
    ServerID: 23,
    Description: "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
    Details: "Test bounce details",
    Email: "john@example.com",
    From: "sender@example.com",
    BouncedAt: new Date().toISOString(),
    DumpAvailable: true,
    Inactive: true,
    CanActivate: true,
    Subject: "Test subject",
    Content: "Return-Path:....",
    ...overrides,
  });
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const postPostmark = (body: string, headers: Record<string, string>) =>
  api.request("/v1/webhooks/postmark", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });

describe("Postmark webhooks", () => {
  it("401s without credentials or with wrong ones, changing nothing", async () => {
    const body = postmarkBounce();
    const responses = [
      await postPostmark(body, {}),
      await postPostmark(body, { authorization: basic("postmark", "wrong") }),
      await postPostmark(body, { authorization: basic("someone", "hook-pass-1234") }),
      await postPostmark(body, { "x-hogsend-webhook-secret": "header-secret-567" }),
    ];
    for (const res of responses) expect(res.status).toBe(401);
    expect(await counts()).toEqual(nothing);
  });

  it("hard-bounces via basic auth, matched by metadata, and dedupes on the bounce ID", async () => {
    const messageId = await insertSentMessage(testDb.db, { userId: "pm-1", email: "john@example.com" });
    const body = postmarkBounce({ Metadata: { hogsend_message_id: messageId } });
    const auth = { authorization: basic("postmark", "hook-pass-1234") };
    expect((await postPostmark(body, auth)).status).toBe(200);
    const again = await postPostmark(body, auth);
    expect(await again.json()).toEqual({ status: "duplicate" });
    const rows = await testDb.db.query("SELECT message_id, bounce_kind FROM message_events");
    expect(rows.rows).toEqual([{ message_id: messageId, bounce_kind: "hard" }]);
    const suppression = await testDb.db.query("SELECT email, reason, source FROM suppressions");
    expect(suppression.rows).toEqual([
      { email: "john@example.com", reason: "hard_bounce", source: "postmark" },
    ]);
    expect((await counts()).events).toBe(1);
  });

  it("suppresses at once on a spam complaint (secret header auth)", async () => {
    await insertSentMessage(testDb.db, {
      userId: "pm-2",
      email: "spam@example.com",
      providerMessageId: "pm-msg-2",
    });
    const body = postmarkBounce({
      RecordType: "SpamComplaint",
      ID: 42,
      Type: "SpamComplaint",
      TypeCode: 512,
      Email: "spam@example.com",
      MessageID: "pm-msg-2",
      Inactive: true,
    });
    const res = await postPostmark(body, { "x-hogsend-webhook-secret": "header-secret-5678" });
    expect(res.status).toBe(200);
    const suppression = await testDb.db.query("SELECT reason FROM suppressions");
    expect(suppression.rows).toEqual([{ reason: "complaint" }]);
    const stored = await testDb.db.query("SELECT event, user_id FROM events");
    expect(stored.rows).toEqual([{ event: "email.complained", user_id: "pm-2" }]);
  });

  it("counts transient bounces as soft and ignores auto-responders", async () => {
    const auth = { authorization: basic("postmark", "hook-pass-1234") };
    const transient = postmarkBounce({ ID: 1, Type: "Transient", TypeCode: 2, Inactive: false });
    const auto = postmarkBounce({ ID: 2, Type: "AutoResponder", TypeCode: 64, Inactive: false });
    expect((await postPostmark(transient, auth)).status).toBe(200);
    expect(await (await postPostmark(auto, auth)).json()).toEqual({ status: "ignored" });
    const rows = await testDb.db.query("SELECT type, bounce_kind FROM message_events");
    expect(rows.rows).toEqual([{ type: "bounced", bounce_kind: "soft" }]);
    expect((await counts()).suppressions).toBe(0);
  });

  it("acknowledges a record with no address and no known message without storing anything", async () => {
    const auth = { authorization: basic("postmark", "hook-pass-1234") };
    const res = await postPostmark(JSON.stringify({ RecordType: "Delivery", MessageID: "nope" }), auth);
    expect(res.status).toBe(200);
    expect(await counts()).toEqual({ ...nothing, receipts: 1 });
  });

  it("records Delivery, Open and Click records", async () => {
    await insertSentMessage(testDb.db, { userId: "pm-3", email: "d@example.com", providerMessageId: "pm-3" });
    const auth = { authorization: basic("postmark", "hook-pass-1234") };
    const common = { MessageID: "pm-3", Recipient: "d@example.com", MessageStream: "outbound", Metadata: {} };
    const delivery = {
      RecordType: "Delivery",
      ServerID: 23,
      DeliveredAt: "2026-11-23T10:00:00Z",
      Details: "ok",
    };
    const open = { RecordType: "Open", FirstOpen: true, ReceivedAt: "2026-11-23T10:05:00Z", UserAgent: "UA" };
    const click = {
      RecordType: "Click",
      ClickLocation: "HTML",
      OriginalLink: "https://example.com/pricing",
      ReceivedAt: "2026-11-23T10:06:00Z",
    };
    for (const record of [delivery, open, click]) {
      const res = await postPostmark(JSON.stringify({ ...common, ...record }), auth);
      expect(res.status).toBe(200);
    }
    const rows = await testDb.db.query(
      "SELECT type, details->>'link' AS link FROM message_events ORDER BY id",
    );
    expect(rows.rows).toEqual([
      { type: "delivered", link: null },
      { type: "opened", link: null },
      { type: "clicked", link: "https://example.com/pricing" },
    ]);
    const stored = await testDb.db.query("SELECT event FROM events ORDER BY id");
    expect(stored.rows.map((r) => r.event)).toEqual(["email.delivered", "email.opened", "email.clicked"]);
  });
});

describe("verified webhooks whose payload cannot be used", () => {
  const receipts = async () =>
    (
      await testDb.db.query<{ provider: string; status: string; error: string | null }>(
        "SELECT provider, status, error FROM webhook_receipts ORDER BY received_at, delivery_id",
      )
    ).rows;

  it("a NUL in text Hogsend only keeps does not lose the bounce; one in the recipient rejects the delivery", async () => {
    await insertSentMessage(testDb.db, { userId: "u", email: "a@example.com", providerMessageId: "re_1" });
    const nul = resendPayload("email.bounced", {
      email_id: "re_1",
      to: ["a@example.com"],
      subject: "x\u0000",
      bounce: { type: "Permanent", subType: "General", message: "bad\ud800" },
    });
    const surrogate = resendPayload("email.bounced", { email_id: "re_1", to: ["a\ud800@example.com"] });
    const nulHeaders = signResend(nul, "msg_nul");
    const applied = await postResend(nul, nulHeaders);
    expect(applied.status).toBe(200);
    expect(await applied.json()).toMatchObject({
      status: "processed",
      suppressed: ["a@example.com:hard_bounce"],
    });

    const rejectedHeaders = signResend(surrogate, "msg_surrogate");
    const rejected = await postResend(surrogate, rejectedHeaders);
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ status: "rejected", reason: expect.any(String) });
    // The provider's retries of both are acknowledged again and add nothing.
    expect(await (await postResend(nul, nulHeaders)).json()).toMatchObject({ status: "duplicate" });
    expect((await postResend(surrogate, rejectedHeaders)).status).toBe(200);
    expect(await receipts()).toEqual([
      { provider: "resend", status: "processed", error: null },
      { provider: "resend", status: "rejected", error: "A recipient is not an email address" },
    ]);
    const stored = await testDb.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM message_events WHERE type = 'bounced'",
    );
    expect(JSON.stringify(stored.rows[0]?.details)).not.toMatch(/\\u0000|\\ud800/);
  });

  it("a verified body that nests too deep, or is not JSON, is rejected rather than retried forever", async () => {
    const deep = `{"type":"email.bounced","data":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}}`;
    const auth = { authorization: basic("postmark", "hook-pass-1234") };
    // (The svix library refuses to verify a body that is not JSON, so a Resend one never gets this far.)
    for (const res of [await postResend(deep, signResend(deep)), await postPostmark("{not json", auth)]) {
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "rejected" });
    }
    expect((await receipts()).map((r) => r.error)).toEqual([
      "data.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a nests deeper than 32 levels",
      "The body is not valid JSON",
    ]);
  });

  it("Postmark: BouncedAt 0000-01-01 is taken as the time of receipt; a body with no RecordType is rejected", async () => {
    const auth = { authorization: basic("postmark", "hook-pass-1234") };
    const bounce = await postPostmark(postmarkBounce({ BouncedAt: "0000-01-01" }), auth);
    expect(bounce.status).toBe(200);
    expect(await bounce.json()).toMatchObject({ status: "processed" });
    const events = await testDb.db.query<{ occurred_at: Date }>("SELECT occurred_at FROM message_events");
    expect(Math.abs(events.rows[0]!.occurred_at.getTime() - Date.now())).toBeLessThan(60_000);
    const nul = await postPostmark(postmarkBounce({ ID: 99, Email: "x\u0000@example.com" }), auth);
    const notARecord = await postPostmark(JSON.stringify({ hello: "world" }), auth);
    for (const res of [nul, notARecord]) {
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "rejected" });
    }
    expect((await receipts()).map((r) => r.status).sort()).toEqual(["processed", "rejected", "rejected"]);
  });
});
