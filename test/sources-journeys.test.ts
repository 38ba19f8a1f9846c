import { randomBytes, randomUUID } from "node:crypto";
import { defineJourney, hours } from "hogsend";
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import Stripe from "stripe";
import { Webhook } from "svix";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { churnPrevention } from "../examples/journeys/churn-prevention.js";
import { createSourceRoutes } from "../src/api/source-routes.js";
import { loadConfig } from "../src/config.js";
import { buildSources } from "../src/sources/build-sources.js";
import { resolvePendingReceipts } from "../src/sources/resolve-pending-receipts.js";
import { createPolicyApi } from "./helpers/email-policy-api.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { FakeStripeServer } from "./helpers/fake-stripe-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * Sources end to end on the real engine: signed PostHog and Stripe deliveries enroll users in journeys, identity
 * merges make anonymous history the user's, and an unresolved Stripe customer is routed once its user appears.
 */
const POSTHOG_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const STRIPE_SECRET = "whsec_journeys_stripe_0123456789";
const stripe = new Stripe("sk_test_unused");

const onboarding = defineJourney({
  meta: {
    id: "onboarding",
    name: "Onboarding",
    enabled: true,
    trigger: { event: "signed_up" },
    entryLimit: "once",
    suppress: hours(0),
  },
  run: async (user, ctx) => {
    const { found } = await ctx.history.hasEvent({ userId: user.id, event: "$pageview" });
    await ctx.trigger({ event: "onboarding.checked", userId: user.id, properties: { sawPricing: found } });
  },
});

let database: TestDatabase;
let h: JourneyHarness;
let fakeStripe: FakeStripeServer;
let api: ReturnType<typeof createPolicyApi>;

beforeAll(async () => {
  database = await createTestDatabase();
  fakeStripe = await new FakeStripeServer().start();
  h = await createJourneyHarness({
    databaseUrl: database.url,
    templates: exampleTemplates,
    journeys: [onboarding, churnPrevention],
  });
  const config = loadConfig({
    NODE_ENV: "test",
    POSTHOG_WEBHOOK_SECRET: POSTHOG_SECRET,
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    STRIPE_SECRET_KEY: fakeStripe.secretKey,
    STRIPE_API_BASE: fakeStripe.baseUrl,
  });
  api = createPolicyApi(h.db, [
    (context) => createSourceRoutes(context, { clock: h.clock, ...buildSources(config, undefined) }),
  ]);
});
afterAll(async () => {
  await h?.close();
  await fakeStripe?.stop();
  await database?.drop();
});
beforeEach(() => {
  fakeStripe.customers.clear();
});

function posthog(
  event: string,
  distinctId: string,
  options: { properties?: Record<string, unknown>; person?: Record<string, unknown>; uuid?: string } = {},
) {
  return JSON.stringify({
    event: {
      uuid: options.uuid ?? randomUUID(),
      event,
      distinct_id: distinctId,
      properties: options.properties ?? {},
      elements_chain: "",
      timestamp: h.clock.now().toISOString(),
      url: "",
    },
    person: { id: randomUUID(), properties: options.person ?? {}, name: distinctId, url: "" },
  });
}

async function postPostHog(body: string, secret = POSTHOG_SECRET) {
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const res = await api.request("/v1/sources/posthog", {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(id, at, body),
    },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function stripeEvent(type: string, object: Record<string, unknown>) {
  return JSON.stringify({
    id: `evt_${randomBytes(8).toString("hex")}`,
    object: "event",
    api_version: "2025-10-29.clover",
    type,
    created: Math.floor(h.clock.now().getTime() / 1000),
    data: { object },
  });
}

async function postStripe(body: string, secret = STRIPE_SECRET) {
  const res = await api.request("/v1/sources/stripe", {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
    },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const invoice = (customer: string, extra: Record<string, unknown> = {}) => ({
  id: `in_${randomBytes(6).toString("hex")}`,
  object: "invoice",
  customer,
  amount_due: 4900,
  amount_paid: 0,
  currency: "usd",
  attempt_count: 2,
  hosted_invoice_url: "https://invoice.stripe.com/i/acct_1/test",
  next_payment_attempt: Math.floor(h.clock.now().getTime() / 1000) + 86_400,
  lines: {
    object: "list",
    data: [{ id: "il_1", price: { id: "price_pro", nickname: "Pro", recurring: { interval: "month" } } }],
  },
  ...extra,
});

describe("PostHog source", () => {
  it("enrolls the user on a signed delivery; its redelivery does not; a forged one changes nothing", async () => {
    const body = posthog("signed_up", "ph-user-1", { person: { email: "ph1@example.com", plan: "pro" } });
    expect((await postPostHog(body)).body).toMatchObject({ status: "processed", accepted: 1 });
    expect((await postPostHog(body)).body).toEqual({ status: "duplicate" });
    const forged = posthog("signed_up", "ph-user-2", { person: { email: "ph2@example.com" } });
    expect((await postPostHog(forged, `whsec_${randomBytes(24).toString("base64")}`)).status).toBe(401);
    await h.drain();
    expect(await h.runs({ journeyId: "onboarding" })).toMatchObject([
      { userId: "ph-user-1", status: "completed" },
    ]);
    const contact = await h.db.query("SELECT email, properties FROM contacts WHERE user_id = 'ph-user-1'");
    expect(contact.rows).toEqual([
      { email: "ph1@example.com", properties: { email: "ph1@example.com", plan: "pro" } },
    ]);
    expect((await h.db.query("SELECT 1 FROM contacts WHERE user_id = 'ph-user-2'")).rowCount).toBe(0);
  });

  it("merges an anonymous id on $identify: the known user's journey sees the anonymous events", async () => {
    const anon = `anon-${randomUUID()}`;
    await postPostHog(posthog("$pageview", anon, { properties: { $current_url: "https://x.test/pricing" } }));
    await h.drain();
    // An anonymous visitor without an email is not a contact.
    expect((await h.db.query("SELECT 1 FROM contacts WHERE user_id = $1", [anon])).rowCount).toBe(0);

    const identify = posthog("$identify", "ph-known", {
      properties: { $anon_distinct_id: anon, $set: { name: "Known" } },
      person: { email: "known@example.com" },
    });
    expect((await postPostHog(identify)).body).toMatchObject({ status: "processed" });
    // Later events under the anonymous id are the user's.
    await postPostHog(posthog("signed_up", anon));
    await h.drain();
    const stored = await h.db.query<{ event: string; user_id: string }>(
      "SELECT event, user_id FROM events WHERE event IN ('$identify', 'signed_up') AND user_id IN ($1, 'ph-known')",
      [anon],
    );
    expect(stored.rows.map((r) => r.user_id)).toEqual(["ph-known", "ph-known"]);
    expect(await h.runs({ journeyId: "onboarding", userId: "ph-known" })).toMatchObject([
      { status: "completed" },
    ]);
    const checked = await h.events({ event: "onboarding.checked", userId: "ph-known" });
    expect(checked.map((e) => e.properties.sawPricing)).toEqual([true]);
    const contact = await h.db.query(
      "SELECT email, properties->>'name' AS name FROM contacts WHERE user_id = 'ph-known'",
    );
    expect(contact.rows).toEqual([{ email: "known@example.com", name: "Known" }]);
  });

  it("merges through $create_alias and keeps the first merge of an id", async () => {
    await postPostHog(posthog("$create_alias", "ph-owner", { properties: { alias: "device-7" } }));
    await postPostHog(posthog("$create_alias", "ph-other", { properties: { alias: "device-7" } }));
    const aliases = await h.db.query("SELECT user_id FROM user_aliases WHERE alias = 'device-7'");
    expect(aliases.rows).toEqual([{ user_id: "ph-owner" }]);
  });

  it("keeps events correct when identifies and anonymous events for one id race", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `race-anon-${i}-${randomUUID()}`);
    await Promise.all(
      ids.flatMap((anon, i) => [
        postPostHog(posthog("$identify", `race-user-${i}`, { properties: { $anon_distinct_id: anon } })),
        postPostHog(posthog("$pageview", anon)),
      ]),
    );
    // Every pageview is either stored under the user or under an alias that now points at the user.
    const rows = await h.db.query<{ user_id: string; owner: string | null }>(
      `SELECT e.user_id, a.user_id AS owner FROM events e LEFT JOIN user_aliases a ON a.alias = e.user_id
        WHERE e.event = '$pageview' AND (e.user_id LIKE 'race-%')`,
    );
    expect(rows.rows).toHaveLength(10);
    for (const row of rows.rows) expect(row.owner ?? row.user_id).toMatch(/^race-user-\d$/);
  });
});

describe("Stripe source", () => {
  it("enrolls the right user in churn-prevention on invoice.payment_failed, and invoice.paid exits it", async () => {
    fakeStripe.customers.set("cus_churn1", {
      email: "churn1@example.com",
      metadata: { userId: "stripe-user-1" },
    });
    const failed = await postStripe(stripeEvent("invoice.payment_failed", invoice("cus_churn1")));
    expect(failed.body).toMatchObject({ status: "processed", accepted: 1 });
    expect(fakeStripe.requests).toContainEqual({ method: "GET", path: "/v1/customers/cus_churn1" });
    await h.drain();
    const [run] = await h.runs({ journeyId: "churn-prevention", userId: "stripe-user-1" });
    expect(run, JSON.stringify(run)).toMatchObject({ status: "waiting" });
    const [event] = await h.events({ event: "payment.failed", userId: "stripe-user-1" });
    expect(event?.properties).toMatchObject({
      amount: 4900,
      currency: "usd",
      attemptCount: 2,
      plan: "Pro",
      priceId: "price_pro",
      interval: "month",
      hostedInvoiceUrl: "https://invoice.stripe.com/i/acct_1/test",
      nextPaymentAttempt: expect.any(String),
    });
    expect(event?.userEmail).toBe("churn1@example.com");
    const emails = await h.emails({ userId: "stripe-user-1" });
    expect(emails.map((e) => e.subject)).toEqual(["Your payment didn't go through"]);

    // The customer is now an alias of the user: the next event resolves without an API call.
    const calls = fakeStripe.requests.length;
    const paid = await postStripe(stripeEvent("invoice.paid", invoice("cus_churn1", { amount_paid: 4900 })));
    expect(paid.body).toMatchObject({ status: "processed", accepted: 1 });
    expect(fakeStripe.requests.length).toBe(calls);
    await h.drain();
    expect(await h.run(run?.id ?? "")).toMatchObject({ status: "exited" });
  });

  it("resolves by client_reference_id, or a contact's email when the customer has no user metadata", async () => {
    await h.send({ event: "user.created", userId: "by-email", userEmail: "by-email@example.com" });
    const byEmail = await postStripe(
      stripeEvent(
        "invoice.payment_failed",
        invoice("cus_byemail", { customer_email: "BY-EMAIL@example.com" }),
      ),
    );
    expect(byEmail.body).toMatchObject({ status: "processed" });
    const checkout = await postStripe(
      stripeEvent("checkout.session.expired", {
        id: "cs_1",
        object: "checkout.session",
        customer: null,
        client_reference_id: "by-ref",
        amount_total: 1200,
        currency: "eur",
        mode: "payment",
        after_expiration: { recovery: { url: "https://buy.stripe.com/r/1" } },
      }),
    );
    expect(checkout.body).toMatchObject({ status: "processed" });
    const users = await h.db.query<{ event: string; user_id: string }>(
      "SELECT event, user_id FROM events WHERE user_id IN ('by-email', 'by-ref') AND event <> 'user.created' ORDER BY id",
    );
    expect(users.rows).toEqual([
      { event: "payment.failed", user_id: "by-email" },
      { event: "checkout.abandoned", user_id: "by-ref" },
    ]);
    // Customer metadata outranks the email, so the customer was looked up first (unknown to Stripe here: 404).
    expect(fakeStripe.requests).toContainEqual({ method: "GET", path: "/v1/customers/cus_byemail" });
  });

  it("holds an unresolvable customer's events as unresolved, never under the cus_ id, and routes them once the user appears", async () => {
    fakeStripe.customers.set("cus_later", { email: "later@example.com" });
    const res = await postStripe(stripeEvent("invoice.payment_failed", invoice("cus_later")));
    expect(res.body).toEqual({ status: "unresolved" });
    expect((await h.db.query("SELECT 1 FROM events WHERE user_id LIKE '%cus_later%'")).rowCount).toBe(0);
    const receipt = await h.db.query(
      "SELECT status, lookup_email, lookup_alias FROM source_receipts WHERE status = 'unresolved'",
    );
    expect(receipt.rows).toEqual([
      { status: "unresolved", lookup_email: "later@example.com", lookup_alias: "stripe:cus_later" },
    ]);

    await h.send({ event: "user.created", userId: "later-user", userEmail: "later@example.com" });
    const resolved = await h.db.transaction((tx) => resolvePendingReceipts(tx, h.clock.now()));
    expect(resolved).toBe(1);
    expect(await h.db.transaction((tx) => resolvePendingReceipts(tx, h.clock.now()))).toBe(0);
    await h.drain();
    expect(await h.runs({ journeyId: "churn-prevention", userId: "later-user" })).toMatchObject([
      { status: "waiting" },
    ]);
    const after = await h.db.query(
      "SELECT status FROM source_receipts WHERE lookup_email = 'later@example.com'",
    );
    expect(after.rows).toEqual([{ status: "processed" }]);
  });

  it("routes a held Stripe delivery in the same transaction as the PostHog identify that names its email", async () => {
    fakeStripe.customers.set("cus_ph", { email: "ph-pays@example.com" });
    expect((await postStripe(stripeEvent("invoice.payment_failed", invoice("cus_ph")))).body).toEqual({
      status: "unresolved",
    });
    await postPostHog(posthog("$identify", "ph-payer", { person: { email: "ph-pays@example.com" } }));
    const held = await h.db.query("SELECT status FROM source_receipts WHERE lookup_alias = 'stripe:cus_ph'");
    expect(held.rows).toEqual([{ status: "processed" }]);
    await h.drain();
    expect(await h.runs({ journeyId: "churn-prevention", userId: "ph-payer" })).toMatchObject([
      { status: "waiting" },
    ]);
  });

  it("acknowledges an event type it does not map as ignored", async () => {
    const res = await postStripe(stripeEvent("charge.refunded", { id: "ch_1", object: "charge" }));
    expect(res.body).toEqual({ status: "ignored" });
  });
});

describe("Segment-compatible API", () => {
  const auth = {
    "content-type": "application/json",
    authorization: `Basic ${Buffer.from("any:").toString("base64")}`,
  };
  it("takes identify, track and batch in Segment's shapes", async () => {
    const identify = await api.request("/v1/identify", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        userId: "seg-1",
        anonymousId: "seg-anon-1",
        traits: { email: "seg1@example.com", plan: "team" },
        messageId: "m-1",
      }),
    });
    expect(await identify.json()).toEqual({ success: true, status: "processed" });
    const batch = await api.request("/v1/batch", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        batch: [
          {
            type: "track",
            anonymousId: "seg-anon-1",
            event: "signed_up",
            messageId: "m-2",
            timestamp: h.clock.now().toISOString(),
          },
          { type: "page", userId: "seg-1", name: "Pricing", messageId: "m-3" },
          { type: "alias", previousId: "seg-old", userId: "seg-1", messageId: "m-4" },
        ],
      }),
    });
    expect(await batch.json()).toEqual({ success: true, status: "processed" });
    await h.drain();
    const events = await h.db.query<{ event: string; user_id: string }>(
      "SELECT event, user_id FROM events WHERE message_id LIKE 'segment:%' ORDER BY id",
    );
    expect(events.rows).toEqual([
      { event: "$identify", user_id: "seg-1" },
      { event: "signed_up", user_id: "seg-1" },
      { event: "page", user_id: "seg-1" },
    ]);
    const contact = await h.db.query(
      "SELECT email, properties->>'plan' AS plan FROM contacts WHERE user_id = 'seg-1'",
    );
    expect(contact.rows).toEqual([{ email: "seg1@example.com", plan: "team" }]);
  });
});
