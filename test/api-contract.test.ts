import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createClickToken, createOpenToken } from "../src/email/tracking/tracking-token.js";
import { createUnsubscribeToken } from "../src/email/unsubscribe/unsubscribe-token.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * The contract test: walks `GET /v1/openapi.json` and calls every operation in it with a valid and an invalid
 * request. Each answer's status must be one the document lists for that operation, and its JSON body must match
 * the document's schema for that status (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). An operation added to
 * the API without a case here fails the test.
 */
const ADMIN_KEY = "test-admin-key-contract-0123456789abcdef";
const RESEND_SECRET = `whsec_${Buffer.from("contract-resend-secret-0123456789").toString("base64")}`;
const LINK_SECRET = "contract-link-secret-0123456789abcdef0123";
const POSTMARK = { user: "postmark", pass: "contract-pass-1234" };
const POSTHOG_SECRET = "contract-posthog-shared-secret";
const SEGMENT_KEY = "contract-segment-write-key";
const segmentAuth = { authorization: `Basic ${Buffer.from(`${SEGMENT_KEY}:`).toString("base64")}` };
const posthogDelivery = () =>
  JSON.stringify({
    event: {
      uuid: crypto.randomUUID(),
      event: "contract.seen",
      distinct_id: "contract-user",
      properties: {},
    },
    person: { properties: { email: "contract@example.com" } },
  });

let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
}
let document: Document;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: "test",
    HOGSEND_API_KEY: ADMIN_KEY,
    RESEND_WEBHOOK_SECRET: RESEND_SECRET,
    POSTMARK_WEBHOOK_USER: POSTMARK.user,
    POSTMARK_WEBHOOK_PASS: POSTMARK.pass,
    HOGSEND_UNSUBSCRIBE_SECRETS: LINK_SECRET,
    POSTHOG_WEBHOOK_SECRET: POSTHOG_SECRET,
    STRIPE_WEBHOOK_SECRET: "whsec_contract_stripe",
    SEGMENT_WRITE_KEY: SEGMENT_KEY,
  });
  app = await createApp(config, { databaseUrl: testDb.url, templates: exampleTemplates });
  api = buildApi(app);
  document = (await (await api.request("/v1/openapi.json")).json()) as Document;
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

interface Call {
  path: string;
  query?: string;
  body?: string;
  type?: string;
  headers?: Record<string, string>;
  /** Statuses this case expects (each must also be documented). */
  expect: number[];
}
interface Case {
  valid: () => Promise<Call> | Call;
  invalid: () => Promise<Call> | Call;
}

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const json = (value: unknown) => JSON.stringify(value);
const NUL = "a%00b";
const template = () => exampleTemplates.list()[0]!;
const fixtures = { runId: "", messageId: "", apiKeyId: "", eventId: 0 };

function signedResend(body: string): Record<string, string> {
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const at = new Date();
  return {
    "svix-id": id,
    "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
    "svix-signature": new Webhook(RESEND_SECRET).sign(id, at, body),
  };
}

const MISSING_BROADCAST = "00000000-0000-4000-8000-000000000000";

const CASES: Record<string, Case> = {
  "get /v1/health/live": {
    valid: () => ({ path: "/v1/health/live", expect: [200] }),
    invalid: () => ({ path: "/v1/health/live", query: "?x=%ff", expect: [200] }),
  },
  "get /v1/health/ready": {
    valid: () => ({ path: "/v1/health/ready", expect: [200] }),
    invalid: () => ({ path: "/v1/health/ready", query: "?x=%ff", expect: [200] }),
  },
  "get /v1/health": {
    valid: () => ({ path: "/v1/health", expect: [200] }),
    invalid: () => ({ path: "/v1/health", query: "?x=%ff", expect: [200] }),
  },
  "post /v1/ingest": {
    valid: () => ({
      path: "/v1/ingest",
      body: json({
        batch: [{ event: "contract.signed_up", userId: "contract-user", properties: { plan: "pro" } }],
      }),
      expect: [202],
    }),
    invalid: () => ({
      path: "/v1/ingest",
      body: json({ batch: [{ event: "ok", userId: "u" }, { event: "" }] }),
      expect: [400],
    }),
  },
  "post /v1/send": {
    valid: () => ({
      path: "/v1/send",
      body: json({
        to: "contract@example.com",
        userId: "contract-user",
        template: template().key,
        subject: "Hi",
        props: template().previewProps,
      }),
      expect: [202],
    }),
    invalid: () => ({
      path: "/v1/send",
      body: json({ to: "not-an-address", template: "x", subject: "Hi" }),
      expect: [400],
    }),
  },
  "post /v1/webhooks/resend": {
    valid: () => {
      const body = json({
        type: "email.delivered",
        created_at: new Date().toISOString(),
        data: {
          email_id: "e1",
          to: ["contract@example.com"],
          tags: { hogsend_message_id: fixtures.messageId },
        },
      });
      return { path: "/v1/webhooks/resend", body, headers: signedResend(body), expect: [200] };
    },
    invalid: () => ({
      path: "/v1/webhooks/resend",
      body: "{}",
      headers: { "svix-id": "x", "svix-timestamp": "1", "svix-signature": "v1,bad" },
      expect: [401],
    }),
  },
  "post /v1/webhooks/postmark": {
    valid: () => ({
      path: "/v1/webhooks/postmark",
      body: json({
        RecordType: "Delivery",
        MessageID: "pm-1",
        Recipient: "contract@example.com",
        DeliveredAt: new Date().toISOString(),
        Metadata: { hogsend_message_id: fixtures.messageId },
      }),
      headers: {
        authorization: `Basic ${Buffer.from(`${POSTMARK.user}:${POSTMARK.pass}`).toString("base64")}`,
      },
      expect: [200],
    }),
    invalid: () => ({
      path: "/v1/webhooks/postmark",
      body: "{}",
      headers: { authorization: "Basic bm9wZTpub3Bl" },
      expect: [401],
    }),
  },
  "get /t/o/{file}": {
    valid: () => ({ path: `/t/o/${createOpenToken(fixtures.messageId, LINK_SECRET)}.gif`, expect: [200] }),
    invalid: () => ({ path: "/t/o/not-a-token.gif", expect: [200] }),
  },
  "get /t/c/{token}": {
    valid: () => ({
      path: `/t/c/${createClickToken(fixtures.messageId, "https://example.com/a", LINK_SECRET)}`,
      expect: [302],
    }),
    invalid: () => ({ path: "/t/c/not-a-token", expect: [400] }),
  },
  "get /u/{token}": {
    valid: () => ({ path: `/u/${unsubscribeToken()}`, expect: [200] }),
    invalid: () => ({ path: "/u/not-a-token", expect: [400] }),
  },
  "post /u/{token}": {
    valid: () => ({
      path: `/u/${unsubscribeToken()}`,
      body: "List-Unsubscribe=One-Click",
      type: "application/x-www-form-urlencoded",
      expect: [200],
    }),
    invalid: () => ({
      path: "/u/not-a-token",
      body: "List-Unsubscribe=One-Click",
      type: "application/x-www-form-urlencoded",
      expect: [400],
    }),
  },
  "get /v1/admin/contacts": {
    valid: () => ({ path: "/v1/admin/contacts", query: "?limit=10&search=contract", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/contacts", query: "?limit=0", expect: [400] }),
  },
  "get /v1/admin/contacts/export": {
    valid: () => ({ path: "/v1/admin/contacts/export", query: "?format=csv", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/contacts/export", query: "?format=xml", expect: [400] }),
  },
  "post /v1/admin/contacts/import": {
    valid: () => ({
      path: "/v1/admin/contacts/import",
      body: "userId,email\ncontract-import,imp@example.com\n",
      type: "text/csv",
      expect: [200],
    }),
    invalid: () => ({ path: "/v1/admin/contacts/import", body: "x", type: "text/plain", expect: [415] }),
  },
  "get /v1/admin/contacts/{userId}": {
    valid: () => ({ path: "/v1/admin/contacts/contract-user", expect: [200] }),
    invalid: () => ({ path: `/v1/admin/contacts/${NUL}`, expect: [400] }),
  },
  "put /v1/admin/contacts/{userId}": {
    valid: () => ({
      path: "/v1/admin/contacts/contract-user",
      body: json({ email: "contract@example.com", properties: { plan: "pro" } }),
      expect: [200, 201],
    }),
    invalid: () => ({
      path: "/v1/admin/contacts/contract-user",
      body: json({ nickname: "x" }),
      expect: [400],
    }),
  },
  "delete /v1/admin/contacts/{userId}": {
    valid: () => ({ path: "/v1/admin/contacts/contract-erased", expect: [200] }),
    invalid: () => ({ path: `/v1/admin/contacts/${NUL}`, expect: [400] }),
  },
  "get /v1/admin/events": {
    valid: () => ({ path: "/v1/admin/events", query: "?userId=contract-user&limit=5", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/events", query: "?cursor=bm9wZQ", expect: [400] }),
  },
  "post /v1/sources/{source}": {
    valid: () => ({
      path: "/v1/sources/posthog",
      body: posthogDelivery(),
      headers: { "x-posthog-webhook-secret": POSTHOG_SECRET },
      expect: [200],
    }),
    invalid: () => ({ path: "/v1/sources/posthog", body: posthogDelivery(), expect: [401] }),
  },
  "post /v1/track": {
    valid: () => ({
      path: "/v1/track",
      body: json({ userId: "contract-user", event: "contract.tracked", messageId: crypto.randomUUID() }),
      headers: segmentAuth,
      expect: [200],
    }),
    invalid: () => ({ path: "/v1/track", body: json({ event: "x" }), headers: segmentAuth, expect: [400] }),
  },
  "post /v1/identify": {
    valid: () => ({
      path: "/v1/identify",
      body: json({ userId: "contract-user", traits: { plan: "pro" }, messageId: crypto.randomUUID() }),
      headers: segmentAuth,
      expect: [200],
    }),
    invalid: () => ({ path: "/v1/identify", body: json({ traits: {} }), expect: [401] }),
  },
  "post /v1/batch": {
    valid: () => ({
      path: "/v1/batch",
      body: json({
        batch: [{ type: "track", userId: "contract-user", event: "a", messageId: crypto.randomUUID() }],
      }),
      headers: segmentAuth,
      expect: [200],
    }),
    invalid: () => ({ path: "/v1/batch", body: json({ batch: [] }), headers: segmentAuth, expect: [400] }),
  },
  "get /v1/admin/sources/receipts": {
    valid: () => ({ path: "/v1/admin/sources/receipts", query: "?source=posthog", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/sources/receipts", query: "?status=nope", expect: [400] }),
  },
  "get /v1/admin/sources/receipts/{id}": {
    valid: () => ({ path: "/v1/admin/sources/receipts/999999", expect: [404] }),
    invalid: () => ({ path: "/v1/admin/sources/receipts/abc", expect: [400] }),
  },
  "get /v1/admin/sync/catalog": {
    valid: () => ({ path: "/v1/admin/sync/catalog", expect: [200] }),
    invalid: () => ({
      path: "/v1/admin/sync/catalog",
      headers: { authorization: "Bearer nope" },
      expect: [401],
    }),
  },
  "get /v1/admin/webhook-endpoints": {
    valid: () => ({ path: "/v1/admin/webhook-endpoints", expect: [200] }),
    invalid: () => ({
      path: "/v1/admin/webhook-endpoints",
      headers: { authorization: "Bearer nope" },
      expect: [401],
    }),
  },
  "get /v1/admin/broadcasts": {
    valid: () => ({ path: "/v1/admin/broadcasts", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/broadcasts?status=nope", expect: [400] }),
  },
  "post /v1/admin/broadcasts": {
    valid: () => ({
      path: "/v1/admin/broadcasts",
      body: json({
        name: "contract",
        template: "activation/welcome",
        subject: "Hi",
        audience: { conditions: [{ type: "property", property: "plan", operator: "eq", value: "pro" }] },
      }),
      expect: [201],
    }),
    invalid: () => ({
      path: "/v1/admin/broadcasts",
      body: json({ name: "x", template: "activation/welcome", audience: { conditions: [{ type: "nope" }] } }),
      expect: [400],
    }),
  },
  "post /v1/admin/broadcasts/preview": {
    valid: () => ({
      path: "/v1/admin/broadcasts/preview",
      body: json({ audience: { conditions: [] }, category: "product" }),
      expect: [200],
    }),
    invalid: () => ({ path: "/v1/admin/broadcasts/preview", body: json({ audience: {} }), expect: [400] }),
  },
  "get /v1/admin/broadcasts/{id}": {
    valid: () => ({ path: `/v1/admin/broadcasts/${MISSING_BROADCAST}`, expect: [404] }),
    invalid: () => ({ path: "/v1/admin/broadcasts/not-a-uuid", expect: [400] }),
  },
  "get /v1/admin/broadcasts/{id}/preview": {
    valid: () => ({ path: `/v1/admin/broadcasts/${MISSING_BROADCAST}/preview`, expect: [404] }),
    invalid: () => ({ path: `/v1/admin/broadcasts/${MISSING_BROADCAST}/preview?sample=1000`, expect: [400] }),
  },
  "get /v1/admin/broadcasts/{id}/recipients": {
    valid: () => ({ path: `/v1/admin/broadcasts/${MISSING_BROADCAST}/recipients`, expect: [404] }),
    invalid: () => ({ path: "/v1/admin/broadcasts/x/recipients", expect: [400] }),
  },
  "post /v1/admin/broadcasts/{id}/schedule": {
    valid: () => ({
      path: `/v1/admin/broadcasts/${MISSING_BROADCAST}/schedule`,
      body: json({ at: "2030-01-01T00:00:00Z" }),
      expect: [404],
    }),
    invalid: () => ({
      path: `/v1/admin/broadcasts/${MISSING_BROADCAST}/schedule`,
      body: json({ at: "tomorrow" }),
      expect: [400],
    }),
  },
  "post /v1/admin/broadcasts/{id}/send": {
    valid: () => ({ path: `/v1/admin/broadcasts/${MISSING_BROADCAST}/send`, expect: [404] }),
    invalid: () => ({ path: "/v1/admin/broadcasts/x/send", expect: [400] }),
  },
  "post /v1/admin/broadcasts/{id}/cancel": {
    valid: () => ({ path: `/v1/admin/broadcasts/${MISSING_BROADCAST}/cancel`, expect: [404] }),
    invalid: () => ({ path: "/v1/admin/broadcasts/x/cancel", expect: [400] }),
  },
  "post /v1/admin/webhook-endpoints": {
    valid: () => ({
      path: "/v1/admin/webhook-endpoints",
      body: json({ url: "http://127.0.0.1:9/hooks", eventTypes: ["email.sent"] }),
      expect: [201],
    }),
    invalid: () => ({ path: "/v1/admin/webhook-endpoints", body: json({ url: "ftp://x" }), expect: [400] }),
  },
  "delete /v1/admin/webhook-endpoints/{id}": {
    valid: () => ({ path: "/v1/admin/webhook-endpoints/wh_missing", expect: [404] }),
    invalid: () => ({ path: `/v1/admin/webhook-endpoints/${"x".repeat(65)}`, expect: [400] }),
  },
  "post /v1/admin/webhook-endpoints/{id}/test": {
    valid: () => ({ path: "/v1/admin/webhook-endpoints/wh_missing/test", expect: [404] }),
    invalid: () => ({ path: `/v1/admin/webhook-endpoints/${"x".repeat(65)}/test`, expect: [400] }),
  },
  "get /v1/admin/sync/dead-letters": {
    valid: () => ({ path: "/v1/admin/sync/dead-letters", query: "?destination=posthog", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/sync/dead-letters", query: "?limit=0", expect: [400] }),
  },
  "post /v1/admin/sync/dead-letters/{id}/requeue": {
    valid: () => ({ path: "/v1/admin/sync/dead-letters/999999/requeue", expect: [404] }),
    invalid: () => ({ path: "/v1/admin/sync/dead-letters/abc/requeue", expect: [400] }),
  },
  "get /v1/admin/events/routing-failures": {
    valid: () => ({ path: "/v1/admin/events/routing-failures", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/events/routing-failures", query: "?limit=-1", expect: [400] }),
  },
  "post /v1/admin/events/routing-failures/{eventId}/requeue": {
    valid: () => ({ path: `/v1/admin/events/routing-failures/${fixtures.eventId}/requeue`, expect: [404] }),
    invalid: () => ({ path: "/v1/admin/events/routing-failures/abc/requeue", expect: [400] }),
  },
  "get /v1/admin/journeys": {
    valid: () => ({ path: "/v1/admin/journeys", expect: [200] }),
    invalid: () => ({
      path: "/v1/admin/journeys",
      headers: { authorization: "Bearer wrong-key-wrong-key-wrong" },
      expect: [401],
    }),
  },
  "get /v1/admin/journeys/{journeyId}/runs": {
    valid: () => ({ path: "/v1/admin/journeys/contract/runs", query: "?status=waiting", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/journeys/no-such-journey/runs", expect: [404] }),
  },
  "get /v1/admin/users/{userId}/journeys": {
    valid: () => ({ path: "/v1/admin/users/contract-user/journeys", expect: [200] }),
    invalid: () => ({ path: `/v1/admin/users/${NUL}/journeys`, expect: [400] }),
  },
  "get /v1/admin/runs/{runId}": {
    valid: () => ({ path: `/v1/admin/runs/${fixtures.runId}`, expect: [200] }),
    invalid: () => ({ path: "/v1/admin/runs/%00", expect: [400] }),
  },
  "post /v1/admin/runs/{runId}/cancel": {
    valid: () => ({ path: `/v1/admin/runs/${fixtures.runId}/cancel`, expect: [200] }),
    invalid: () => ({ path: `/v1/admin/runs/${fixtures.runId}/cancel`, expect: [409] }),
  },
  "get /v1/admin/messages": {
    valid: () => ({ path: "/v1/admin/messages", query: "?userId=contract-user&limit=5", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/messages", query: "?status=lost", expect: [400] }),
  },
  "get /v1/admin/messages/{id}": {
    valid: () => ({ path: `/v1/admin/messages/${fixtures.messageId}`, expect: [200] }),
    invalid: () => ({ path: "/v1/admin/messages/00000000-0000-4000-8000-000000000000", expect: [404] }),
  },
  "get /v1/admin/mailbox": {
    valid: () => ({ path: "/v1/admin/mailbox", query: "?to=contract@example.com", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/mailbox", query: "?limit=1000", expect: [400] }),
  },
  "get /v1/admin/templates": {
    valid: () => ({ path: "/v1/admin/templates", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/templates", headers: {}, expect: [401] }),
  },
  "get /v1/admin/templates/{key}/preview": {
    valid: () => ({
      path: `/v1/admin/templates/${template().key}/preview`,
      query: "?format=text",
      expect: [200],
    }),
    invalid: () => ({
      path: `/v1/admin/templates/${template().key}/preview`,
      query: "?props=%7B",
      expect: [400],
    }),
  },
  "get /v1/admin/suppressions": {
    valid: () => ({ path: "/v1/admin/suppressions", query: "?reason=manual", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/suppressions", query: "?reason=whim", expect: [400] }),
  },
  "post /v1/admin/suppressions": {
    valid: () => ({
      path: "/v1/admin/suppressions",
      body: json({ email: "blocked@example.com", note: "contract" }),
      expect: [201],
    }),
    invalid: () => ({ path: "/v1/admin/suppressions", body: json({ email: "nope" }), expect: [400] }),
  },
  "delete /v1/admin/suppressions/{email}": {
    valid: () => ({ path: "/v1/admin/suppressions/blocked%40example.com", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/suppressions/never%40example.com", expect: [404] }),
  },
  "get /v1/admin/api-keys": {
    valid: () => ({ path: "/v1/admin/api-keys", expect: [200] }),
    invalid: () => ({
      path: "/v1/admin/api-keys",
      headers: { "x-api-key": "hs_not_a_key_0123456789" },
      expect: [401],
    }),
  },
  "post /v1/admin/api-keys": {
    valid: () => ({
      path: "/v1/admin/api-keys",
      body: json({ name: "contract", scope: "ingest" }),
      expect: [201],
    }),
    invalid: () => ({ path: "/v1/admin/api-keys", body: json({ name: "x", scope: "root" }), expect: [400] }),
  },
  "delete /v1/admin/api-keys/{id}": {
    valid: () => ({ path: `/v1/admin/api-keys/${fixtures.apiKeyId}`, expect: [200] }),
    invalid: () => ({ path: "/v1/admin/api-keys/00000000-0000-4000-8000-000000000000", expect: [404] }),
  },
  "get /v1/admin/overview": {
    valid: () => ({ path: "/v1/admin/overview", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/overview", headers: {}, expect: [401] }),
  },
  "put /v1/admin/journeys/{journeyId}/enabled": {
    valid: () => ({
      path: "/v1/admin/journeys/contract/enabled",
      body: json({ enabled: false }),
      expect: [200],
    }),
    invalid: () => ({
      path: "/v1/admin/journeys/contract/enabled",
      body: json({ enabled: "yes" }),
      expect: [400],
    }),
  },
  "get /v1/admin/journeys/{journeyId}/lift": {
    valid: () => ({ path: "/v1/admin/journeys/contract/lift", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/journeys/no-such-journey/lift", expect: [404] }),
  },
  "get /v1/admin/journeys/{journeyId}/funnel": {
    valid: () => ({ path: "/v1/admin/journeys/contract/funnel", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/journeys/no-such-journey/funnel", expect: [404] }),
  },
  "post /v1/admin/runs/{runId}/retry": {
    // The fixture run is waiting or cancelled, never failed: a retry is refused as a conflict.
    valid: () => ({ path: `/v1/admin/runs/${fixtures.runId}/retry`, expect: [409] }),
    invalid: () => ({ path: "/v1/admin/runs/%00/retry", expect: [400] }),
  },
  "put /v1/admin/contacts/{userId}/preferences": {
    valid: () => ({
      path: "/v1/admin/contacts/contract-user/preferences",
      body: json({ globallyUnsubscribed: false, categories: { marketing: false } }),
      expect: [200],
    }),
    invalid: () => ({
      path: "/v1/admin/contacts/contract-user/preferences",
      body: json({ categories: { marketing: "no" } }),
      expect: [400],
    }),
  },
  "post /v1/admin/messages/{id}/resend": {
    valid: () => ({ path: `/v1/admin/messages/${fixtures.messageId}/resend`, expect: [201] }),
    invalid: () => ({
      path: "/v1/admin/messages/00000000-0000-4000-8000-000000000000/resend",
      expect: [404],
    }),
  },
  "post /v1/admin/templates/{key}/preview": {
    valid: () => ({ path: `/v1/admin/templates/${template().key}/preview`, body: json({}), expect: [200] }),
    invalid: () => ({
      path: `/v1/admin/templates/${template().key}/preview`,
      body: json({ props: 1 }),
      expect: [400],
    }),
  },
  "post /v1/admin/templates/{key}/test-send": {
    valid: () => ({
      path: `/v1/admin/templates/${template().key}/test-send`,
      body: json({ to: "contract-test@example.com" }),
      expect: [202],
    }),
    invalid: () => ({
      path: `/v1/admin/templates/${template().key}/test-send`,
      body: json({ to: "nope" }),
      expect: [400],
    }),
  },
  "post /v1/admin/suppressions/import": {
    valid: () => ({
      path: "/v1/admin/suppressions/import",
      body: "email,reason\nimported@example.com,manual\n",
      type: "text/csv",
      expect: [200],
    }),
    invalid: () => ({ path: "/v1/admin/suppressions/import", body: "x", type: "text/plain", expect: [415] }),
  },
  "get /v1/admin/audit-log": {
    valid: () => ({ path: "/v1/admin/audit-log", query: "?targetType=contact&limit=5", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/audit-log", query: "?since=yesterday", expect: [400] }),
  },
  "get /v1/admin/alerts": {
    valid: () => ({ path: "/v1/admin/alerts", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/alerts", headers: {}, expect: [401] }),
  },
  "get /v1/admin/alerts/history": {
    valid: () => ({ path: "/v1/admin/alerts/history", query: "?rule=complaint_rate&limit=5", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/alerts/history", query: "?rule=made_up", expect: [400] }),
  },
  "get /v1/admin/sending": {
    valid: () => ({ path: "/v1/admin/sending", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/sending", headers: { authorization: "Bearer nope" }, expect: [401] }),
  },
  "post /v1/admin/sending/resume": {
    valid: () => ({ path: "/v1/admin/sending/resume", expect: [200] }),
    invalid: () => ({ path: "/v1/admin/sending/resume", headers: {}, expect: [401] }),
  },
};

function unsubscribeToken(): string {
  return createUnsubscribeToken(
    { userId: "contract-user", email: "contract@example.com", category: null },
    LINK_SECRET,
  );
}

// Operations that change what the next case needs run in this order; the rest follow in document order.
const FIRST = [
  "post /v1/ingest",
  "post /v1/send",
  "put /v1/admin/contacts/{userId}",
  "post /v1/admin/suppressions",
  "post /v1/admin/api-keys",
];

async function call(method: string, c: Call): Promise<Response> {
  const headers: Record<string, string> = { ...(c.headers ?? admin) };
  if (c.body !== undefined) headers["content-type"] = c.type ?? "application/json";
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (c.body !== undefined) init.body = c.body;
  return api.request(`${c.path}${c.query ?? ""}`, init);
}

describe("the API keeps its OpenAPI contract", () => {
  it("every operation has a case here", () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m} ${path}`),
    );
    expect(operations.sort()).toEqual(Object.keys(CASES).sort());
  });

  it("answers a valid and an invalid request to every operation as documented", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: "https://hogsend.dev/openapi.json", components: document.components });
    const validatorFor = (schema: Schema) => {
      const rewritten = JSON.parse(
        JSON.stringify(schema).replaceAll('"#/components/', '"https://hogsend.dev/openapi.json#/components/'),
      );
      return ajv.compile(rewritten);
    };

    const run = await app.db.query<{ id: string }>(
      `INSERT INTO journey_runs (journey_id, user_id, status, current_node_id, due_at, created_at, updated_at)
       VALUES ('contract', 'contract-user', 'waiting', 'sleep', now() + interval '1 day', now(), now()) RETURNING id`,
    );
    fixtures.runId = run.rows[0]!.id;

    const order = [...FIRST, ...Object.keys(CASES).filter((key) => !FIRST.includes(key))];
    const problems: string[] = [];
    let checkedBodies = 0;
    for (const key of order) {
      const [method, path] = key.split(" ") as [string, string];
      const operation = document.paths[path]?.[method];
      if (!operation) {
        problems.push(`${key}: not in the document`);
        continue;
      }
      for (const kind of ["valid", "invalid"] as const) {
        const c = await CASES[key]![kind]();
        const res = await call(method, c);
        const label = `${key} (${kind}) -> ${res.status}`;
        const text = await res.text();
        if (!c.expect.includes(res.status))
          problems.push(`${label}: expected ${c.expect.join("|")}: ${text.slice(0, 300)}`);
        const documented = operation.responses[String(res.status)];
        if (!documented) {
          problems.push(`${label}: status not documented`);
          continue;
        }
        const type = (res.headers.get("content-type") ?? "").split(";")[0]!;
        const declared = documented.content;
        if (declared && !(type in declared))
          problems.push(`${label}: ${type} not documented (${Object.keys(declared)})`);
        const schema = declared?.["application/json"]?.schema;
        if (type === "application/json" && schema) {
          const validate = validatorFor(schema);
          checkedBodies++;
          if (!validate(JSON.parse(text)))
            problems.push(`${label}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`);
        }
        if (key === "post /v1/send" && kind === "valid")
          fixtures.messageId = (JSON.parse(text) as { messageId: string }).messageId;
        if (key === "post /v1/admin/api-keys" && kind === "valid")
          fixtures.apiKeyId = (JSON.parse(text) as { data: { id: string } }).data.id;
        if (key === "post /v1/ingest" && kind === "valid") {
          const events = await app.db.query<{ id: string }>("SELECT id FROM events ORDER BY id DESC LIMIT 1");
          fixtures.eventId = Number(events.rows[0]?.id ?? 1);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checkedBodies).toBeGreaterThan(50);
  });

  it("the schema check catches a body that breaks the contract", () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    ajv.addSchema({ $id: "https://hogsend.dev/openapi.json", components: document.components });
    const validate = ajv.compile({ $ref: "https://hogsend.dev/openapi.json#/components/schemas/Error" });
    expect(validate({ error: { code: "NOT_FOUND", message: "No such contact" } })).toBe(true);
    expect(validate({ error: { code: "NOT_FOUND" } })).toBe(false);
    expect(validate({ error: { code: "NOT_FOUND", message: "x", details: [{ path: 1 }] } })).toBe(false);
  });
});
