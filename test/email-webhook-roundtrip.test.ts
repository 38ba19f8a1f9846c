import { randomBytes, randomUUID } from "node:crypto";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailWebhookRoutes } from "../src/api/email-webhook-routes.js";
import { loadConfig } from "../src/config.js";
import { createPostmarkProvider } from "../src/email/providers/postmark-provider.js";
import { createResendProvider } from "../src/email/providers/resend-provider.js";
import { createPolicyApi, insertSentMessage } from "./helpers/email-policy-api.js";
import { FakePostmarkServer } from "./helpers/fake-postmark-server.js";
import { FakeResendServer } from "./helpers/fake-resend-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const config = loadConfig({
  NODE_ENV: "test",
  RESEND_WEBHOOK_SECRET: SECRET,
  POSTMARK_WEBHOOK_SECRET: "roundtrip-secret",
});

let testDb: TestDatabase;
let api: ReturnType<typeof createPolicyApi>;
const resend = new FakeResendServer();
const postmark = new FakePostmarkServer();

beforeAll(async () => {
  testDb = await createTestDatabase();
  api = createPolicyApi(testDb.db, [(context) => createEmailWebhookRoutes(context, { email: config.email })]);
  await resend.start();
  await postmark.start();
});
afterAll(async () => {
  await resend.stop();
  await postmark.stop();
  await testDb?.drop();
});

const outgoing = (messageId: string, to: string) => ({
  messageId,
  from: "Hogsend <hello@example.com>",
  to,
  subject: "Hi",
  html: "<p>Hi</p>",
  text: "Hi",
  headers: {},
});

// A bounce can arrive before the delivery loop has recorded the provider's id; our id travels with the email
// (Resend tag / Postmark metadata) and comes back in the webhook, so the bounce still finds its message.
describe("our message id travels out with the email and back in the webhook", () => {
  it("Resend: tag hogsend_message_id", async () => {
    const messageId = await insertSentMessage(testDb.db, { userId: "r1", email: "r1@example.com" });
    const provider = createResendProvider({
      apiKey: resend.apiKey,
      baseUrl: resend.baseUrl,
      timeoutMs: 2_000,
    });
    const result = await provider.send(outgoing(messageId, "r1@example.com"));
    expect(result.ok).toBe(true);
    const sent = resend.accepted.at(-1)?.body as { tags?: Array<{ name: string; value: string }> };
    expect(sent.tags).toEqual([{ name: "hogsend_message_id", value: messageId }]);

    const body = JSON.stringify({
      type: "email.bounced",
      created_at: new Date().toISOString(),
      data: {
        email_id: result.ok ? result.providerMessageId : "",
        to: ["r1@example.com"],
        subject: "Hi",
        bounce: { type: "Permanent", subType: "General", message: "No such user" },
        tags: Object.fromEntries((sent.tags ?? []).map((tag) => [tag.name, tag.value])),
      },
    });
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const res = await api.request("/v1/webhooks/resend", {
      method: "POST",
      body,
      headers: {
        "svix-id": id,
        "svix-timestamp": String(Math.floor(now.getTime() / 1000)),
        "svix-signature": new Webhook(SECRET).sign(id, now, body),
      },
    });
    expect(res.status).toBe(200);
    const rows = await testDb.db.query(
      "SELECT message_id FROM message_events WHERE email = 'r1@example.com'",
    );
    expect(rows.rows).toEqual([{ message_id: messageId }]);
  });

  it("Postmark: Metadata.hogsend_message_id", async () => {
    const messageId = await insertSentMessage(testDb.db, { userId: "p1", email: "p1@example.com" });
    const provider = createPostmarkProvider({
      serverToken: postmark.serverToken,
      messageStream: "outbound",
      requestHost: postmark.host,
      useHttps: false,
      timeoutMs: 2_000,
    });
    const result = await provider.send(outgoing(messageId, "p1@example.com"));
    expect(result.ok).toBe(true);
    const sent = postmark.received.at(-1) as { Metadata?: Record<string, string> };
    expect(sent.Metadata).toEqual({ hogsend_message_id: messageId });

    const res = await api.request("/v1/webhooks/postmark", {
      method: "POST",
      headers: { "content-type": "application/json", "x-hogsend-webhook-secret": "roundtrip-secret" },
      body: JSON.stringify({
        RecordType: "Bounce",
        ID: 991,
        Type: "HardBounce",
        TypeCode: 1,
        MessageID: result.ok ? result.providerMessageId : "",
        Email: "p1@example.com",
        BouncedAt: new Date().toISOString(),
        Inactive: true,
        Metadata: sent.Metadata,
      }),
    });
    expect(res.status).toBe(200);
    const rows = await testDb.db.query(
      "SELECT message_id FROM message_events WHERE email = 'p1@example.com'",
    );
    expect(rows.rows).toEqual([{ message_id: messageId }]);
  });
});
