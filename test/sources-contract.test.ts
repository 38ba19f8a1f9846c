import { randomBytes, randomUUID } from "node:crypto";
import Stripe from "stripe";
import { Webhook } from "svix";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSourceAdminRoutes } from "../src/api/source-admin-routes.js";
import { createSourceRoutes } from "../src/api/source-routes.js";
import { loadConfig } from "../src/config.js";
import { systemClock } from "../src/lib/clock.js";
import { buildSources } from "../src/sources/build-sources.js";
import { defineWebhookSource } from "../src/sources/define-webhook-source.js";
import { createPolicyApi, POLICY_ADMIN_KEY } from "./helpers/email-policy-api.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * One contract, every source: the built-in PostHog, Stripe and Segment sources and a source defined the way a
 * user defines one in hogsend.config.ts. Each must: store and acknowledge a signed delivery; treat its redelivery
 * as a duplicate; answer a forged or unsigned one 401 and store nothing; keep a verified but unusable one as a
 * rejected receipt with a 200; list its receipts in the admin API.
 */
const POSTHOG_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const STRIPE_SECRET = "whsec_stripe_test_secret_0123456789";
const SEGMENT_KEY = "segment-write-key-0123";
const CUSTOM_TOKEN = "custom-token-abcdef";
const stripe = new Stripe("sk_test_unused");

const config = loadConfig({
  NODE_ENV: "test",
  POSTHOG_WEBHOOK_SECRET: POSTHOG_SECRET,
  STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
  SEGMENT_WRITE_KEY: SEGMENT_KEY,
});

const custom = defineWebhookSource({
  id: "billing",
  verify: ({ headers }) => headers["x-billing-token"] === CUSTOM_TOKEN,
  map: (body) => {
    const b = body as { id?: unknown; type?: unknown; user?: unknown };
    if (typeof b.id !== "string" || typeof b.user !== "string") return { rejected: "no id or user" };
    return {
      deliveryId: b.id,
      events: [{ event: `billing.${String(b.type)}`, userId: b.user, messageId: b.id }],
    };
  },
});

interface Kit {
  name: string;
  path: string;
  /** A usable payload for `userId`, with a fresh delivery id. */
  valid(userId: string): string;
  unusable(): string;
  sign(body: string): Record<string, string>;
  forge(body: string): Record<string, string>;
  event: string;
}

const posthogBody = (userId: string, event = "signed_up") =>
  JSON.stringify({
    event: {
      uuid: randomUUID(),
      event,
      distinct_id: userId,
      properties: { plan: "pro" },
      elements_chain: "",
      timestamp: new Date().toISOString(),
      url: "https://eu.posthog.com/project/1/events/x",
    },
    person: { id: randomUUID(), properties: { email: `${userId}@example.com` }, name: userId, url: "" },
  });

const stripeBody = (userId: string) =>
  JSON.stringify({
    id: `evt_${randomBytes(8).toString("hex")}`,
    object: "event",
    type: "invoice.payment_failed",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `in_${randomBytes(6).toString("hex")}`,
        object: "invoice",
        customer: `cus_${randomBytes(6).toString("hex")}`,
        metadata: { userId },
        amount_due: 2900,
        currency: "usd",
        attempt_count: 1,
      },
    },
  });

const standard = (secret: string) => (body: string) => {
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
};
const basic = (key: string) => ({
  "content-type": "application/json",
  authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}`,
});

const kits: Kit[] = [
  {
    name: "posthog",
    path: "/v1/sources/posthog",
    valid: (u) => posthogBody(u),
    unusable: () => JSON.stringify({ event: { event: "x", distinct_id: "u" } }),
    sign: standard(POSTHOG_SECRET),
    forge: standard(`whsec_${randomBytes(24).toString("base64")}`),
    event: "signed_up",
  },
  {
    name: "stripe",
    path: "/v1/sources/stripe",
    valid: stripeBody,
    unusable: () => JSON.stringify({ object: "event", data: {} }),
    sign: (body) => ({
      "content-type": "application/json",
      "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET }),
    }),
    forge: (body) => ({
      "content-type": "application/json",
      "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload: body, secret: "whsec_wrong" }),
    }),
    event: "payment.failed",
  },
  {
    name: "segment",
    path: "/v1/track",
    valid: (u) => JSON.stringify({ userId: u, event: "Signed Up", messageId: randomUUID(), properties: {} }),
    unusable: () => JSON.stringify({ event: "Signed Up", messageId: randomUUID() }),
    sign: () => basic(SEGMENT_KEY),
    forge: () => basic("not-the-key"),
    event: "Signed Up",
  },
  {
    name: "billing",
    path: "/v1/sources/billing",
    valid: (u) => JSON.stringify({ id: `b_${randomUUID()}`, type: "renewed", user: u }),
    unusable: () => JSON.stringify({ type: "renewed" }),
    sign: () => ({ "content-type": "application/json", "x-billing-token": CUSTOM_TOKEN }),
    forge: () => ({ "content-type": "application/json", "x-billing-token": "guess" }),
    event: "billing.renewed",
  },
];

let testDb: TestDatabase;
let api: ReturnType<typeof createPolicyApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const built = buildSources(config, { custom: [custom] });
  api = createPolicyApi(
    testDb.db,
    [(context) => createSourceRoutes(context, { clock: systemClock, ...built })],
    [(context) => createSourceAdminRoutes(context)],
  );
});
afterAll(async () => {
  await testDb?.drop();
});
beforeEach(async () => {
  await testDb.db.query(
    "TRUNCATE source_receipts, user_aliases, events, event_routing_queue, event_message_ids",
  );
});

async function counts() {
  const r = await testDb.db.query<{ receipts: number; events: number; queued: number }>(
    `SELECT (SELECT count(*)::int FROM source_receipts) AS receipts, (SELECT count(*)::int FROM events) AS events,
            (SELECT count(*)::int FROM event_routing_queue) AS queued`,
  );
  return r.rows[0];
}

const post = (path: string, body: string, headers: Record<string, string>) =>
  api.request(path, { method: "POST", body, headers });

describe.each(kits)("source contract: $name", (kit) => {
  it("stores a signed delivery as an event queued for routing, once", async () => {
    const body = kit.valid("contract-user");
    const first = await post(kit.path, body, kit.sign(body));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject(
      kit.name === "segment" ? { success: true, status: "processed" } : { status: "processed", accepted: 1 },
    );
    const events = await testDb.db.query<{ event: string; user_id: string; source: string }>(
      "SELECT event, user_id, source FROM events",
    );
    expect(events.rows).toEqual([{ event: kit.event, user_id: "contract-user", source: "webhook" }]);
    expect(await counts()).toEqual({ receipts: 1, events: 1, queued: 1 });

    const again = await post(kit.path, body, kit.sign(body));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "duplicate" });
    expect(await counts()).toEqual({ receipts: 1, events: 1, queued: 1 });
  });

  it("answers a forged or unsigned delivery 401 and stores nothing", async () => {
    const body = kit.valid("forger");
    const forged = await post(kit.path, body, kit.forge(body));
    expect(forged.status).toBe(401);
    const unsigned = await post(kit.path, body, { "content-type": "application/json" });
    expect(unsigned.status).toBe(401);
    expect(await counts()).toEqual({ receipts: 0, events: 0, queued: 0 });
  });

  it("keeps a verified but unusable delivery as rejected and lists it", async () => {
    const body = kit.unusable();
    const res = await post(kit.path, body, kit.sign(body));
    if (kit.name === "segment") {
      // Segment's API tells its client: a 400, and (bad input changes nothing) no receipt.
      expect(res.status).toBe(400);
      expect(await counts()).toEqual({ receipts: 0, events: 0, queued: 0 });
      return;
    } else {
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "rejected", reason: expect.any(String) });
    }
    expect(await counts()).toEqual({ receipts: 1, events: 0, queued: 0 });
    const listed = await api.request(`/v1/admin/sources/receipts?source=${kit.name}`, {
      headers: { authorization: `Bearer ${POLICY_ADMIN_KEY}` },
    });
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { data: Array<{ id: number; status: string; reason: string }> };
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ status: "rejected" });
    const one = await api.request(`/v1/admin/sources/receipts/${page.data[0]?.id}`, {
      headers: { authorization: `Bearer ${POLICY_ADMIN_KEY}` },
    });
    expect(((await one.json()) as { data: { rawBody: string } }).data.rawBody).toBe(body);
  });

  it("keeps a body that is not JSON as rejected", async () => {
    const body = "{not json";
    const res = await post(kit.path, body, kit.sign(body));
    expect(res.status).toBe(kit.name === "segment" ? 400 : 200);
    const r = await testDb.db.query<{ status: string; reason: string }>(
      "SELECT status, reason FROM source_receipts",
    );
    expect(r.rows).toEqual(
      kit.name === "segment" ? [] : [{ status: "rejected", reason: "The body is not valid JSON" }],
    );
  });
});

describe("refused from the headers alone, before the body is read", () => {
  /** A request whose body (declared 100 KB, as a raw client would) never ends: a route that reads it never answers. */
  const endless = (path: string, sent: Record<string, string>) => {
    const headers = { ...sent, "content-length": "100000" };
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"event":'));
      },
    });
    const answered = Promise.resolve(
      api.request(path, { method: "POST", body, headers, duplex: "half" } as RequestInit),
    );
    const stalled = new Promise<"stalled">((resolve) => setTimeout(() => resolve("stalled"), 2_000));
    return Promise.race([answered.then((res) => res.status), stalled]);
  };
  const json = { "content-type": "application/json" };
  const stale = (headers: Record<string, string>) => ({
    ...headers,
    "webhook-timestamp": String(Math.floor(Date.now() / 1000) - 3_600),
  });

  it("PostHog (Standard Webhooks): missing, partial or stale signature headers are 401 at once", async () => {
    const signed = standard(POSTHOG_SECRET)("{}");
    const { "webhook-signature": _signature, ...partial } = signed;
    for (const headers of [json, partial, stale(signed), { ...signed, "webhook-signature": "v0,abc" }]) {
      expect(await endless("/v1/sources/posthog", headers)).toBe(401);
    }
    // Well-formed headers pass the header check, so the route waits for the body (and verifies it then).
    expect(await endless("/v1/sources/posthog", signed)).toBe("stalled");
  });

  it("Stripe: a missing, malformed or expired stripe-signature is 401 at once", async () => {
    const expired = stripe.webhooks.generateTestHeaderString({
      payload: "{}",
      secret: STRIPE_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 3_600,
    });
    for (const signature of [undefined, "garbage", "t=now,v1=abc", "t=1700000000", expired]) {
      const headers = signature === undefined ? json : { ...json, "stripe-signature": signature };
      expect(await endless("/v1/sources/stripe", headers)).toBe(401);
    }
    const fresh = stripe.webhooks.generateTestHeaderString({ payload: "{}", secret: STRIPE_SECRET });
    expect(await endless("/v1/sources/stripe", { ...json, "stripe-signature": fresh })).toBe("stalled");
    expect(await counts()).toEqual({ receipts: 0, events: 0, queued: 0 });
  });
});

describe("sources", () => {
  it("answers 404 for a source nobody defined", async () => {
    const res = await post("/v1/sources/nope", "{}", { "content-type": "application/json" });
    expect(res.status).toBe(404);
  });

  it("refuses every delivery in production when a source has no secret", async () => {
    const production = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://unused/db",
      BETTER_AUTH_SECRET: "x".repeat(32),
      API_PUBLIC_URL: "https://hogsend.example.com",
      EMAIL_PROVIDER: "smtp",
      SMTP_URL: "smtp://localhost:25",
      EMAIL_FROM: "a@example.com",
    });
    const prodApi = createPolicyApi(testDb.db, [
      (context) =>
        createSourceRoutes(context, { clock: systemClock, ...buildSources(production, undefined) }),
    ]);
    for (const [path, body] of [
      ["/v1/sources/posthog", posthogBody("p")],
      ["/v1/sources/stripe", stripeBody("p")],
      ["/v1/track", JSON.stringify({ userId: "p", event: "x" })],
    ] as const) {
      const res = await prodApi.request(path, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      expect(res.status, path).toBe(401);
    }
    expect(await counts()).toEqual({ receipts: 0, events: 0, queued: 0 });
  });

  it("accepts PostHog's shared-secret header mode, compared exactly", async () => {
    const shared = loadConfig({ NODE_ENV: "test", POSTHOG_WEBHOOK_SECRET: "plain-shared-secret-42" });
    const sharedApi = createPolicyApi(testDb.db, [
      (context) => createSourceRoutes(context, { clock: systemClock, ...buildSources(shared, undefined) }),
    ]);
    const body = posthogBody("shared-user");
    const send = (secret: string) =>
      sharedApi.request("/v1/sources/posthog", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-posthog-webhook-secret": secret },
      });
    expect((await send("plain-shared-secret-4")).status).toBe(401);
    expect((await send("plain-shared-secret-43")).status).toBe(401);
    expect((await send("plain-shared-secret-42")).status).toBe(200);
    expect(await counts()).toMatchObject({ receipts: 1, events: 1 });
  });
});
