import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journeys as exampleJourneys } from "../examples/journeys/index.js";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { foldEmailCounters } from "../src/email/outbox/email-counter-store.js";
import { days, defineJourney, hours, NonRetryableError } from "../src/index.js";
import { foldJourneyCounters } from "../src/journeys/journey-counter-store.js";
import { createJourneyHarness, type JourneyHarness } from "../src/testing/index.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "studio-api-test-key-0123456789abcdef";

// A journey whose one external step fails for good until the test lets it succeed: the retry case.
let stepFails = true;
const flaky = defineJourney({
  meta: {
    id: "flaky",
    name: "Flaky",
    enabled: true,
    trigger: { event: "flaky.start" },
    entryLimit: "unlimited",
    suppress: hours(0),
  },
  run: async (_user, ctx) => {
    await ctx.checkpoint("started");
    await ctx.sleep({ duration: hours(1), label: "nap" });
    await ctx.step("call-crm", () => {
      if (stepFails) throw new NonRetryableError("CRM said no");
      return "ok";
    });
    await ctx.checkpoint("done");
  },
});
const journeys = [...exampleJourneys, flaky];

let database: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;
let h: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({ templates: exampleTemplates, databaseUrl: database.url, journeys });
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY }), {
    templates: exampleTemplates,
    databaseUrl: database.url,
    clock: h.clock,
    journeys,
  });
  api = buildApi(app);
});
afterAll(async () => {
  await app?.close();
  await h?.close();
  await database?.drop();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field below
type Body = any;
async function call(method: string, path: string, body?: unknown, type = "application/json") {
  const res = await api.request(path, {
    method,
    headers: {
      Authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { "content-type": type }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Body };
}
const get = (path: string) => call("GET", path);

async function auditActions(targetId: string): Promise<string[]> {
  const { body } = await get(`/v1/admin/audit-log?targetId=${encodeURIComponent(targetId)}`);
  return body.data.map((entry: { action: string }) => entry.action);
}

const journeyOf = async (id: string) =>
  (await get("/v1/admin/journeys")).body.data.find((j: { id: string }) => j.id === id);

describe("journeys in Studio", () => {
  it("counts runs by status, skips and the last 7 days from the counters, before and after a fold", async () => {
    for (const user of ["w1", "w2", "w3"]) {
      await h.send({ event: "user.created", userId: user, userEmail: `${user}@example.com` });
    }
    await h.send({ event: "user.created", userId: "w1", userEmail: "w1@example.com" }); // once: skipped
    await h.send({ event: "user.deleted", userId: "w3" }); // exitOn
    const expected = {
      runs: { waiting: 2, exited: 1 },
      skips: { already_entered_once: 1 },
      last7Days: { entered: 3, completed: 0, exited: 1, failed: 0, cancelled: 0 },
      enabled: true,
      enabledOverride: null,
    };
    expect(await journeyOf("activation-welcome")).toMatchObject(expected);
    // Folding moves deltas into totals; the answer must not change.
    expect(await foldJourneyCounters(app.db)).toBeGreaterThan(0);
    expect(await journeyOf("activation-welcome")).toMatchObject(expected);
    await h.advance(days(3));
    expect(await journeyOf("activation-welcome")).toMatchObject({
      runs: { completed: 2, exited: 1 },
      last7Days: { entered: 3, completed: 2, exited: 1 },
    });
  });

  it("builds the funnel from the journal's labels: reached per step and how many are at each now", async () => {
    await h.send({ event: "user.created", userId: "f1", userEmail: "f1@example.com" });
    const { status, body } = await get("/v1/admin/journeys/activation-welcome/funnel");
    expect(status).toBe(200);
    const step = (kind: string, label: string) =>
      body.data.steps.find((s: { kind: string; label: string }) => s.kind === kind && s.label === label);
    // w1, w2, w3 (earlier test) and f1 got the welcome and slept; w1 and w2 woke and got the nudge.
    expect(step("email", "activation/welcome")).toEqual({
      kind: "email",
      label: "activation/welcome",
      reached: 4,
      current: 0,
    });
    expect(step("sleep", "post-welcome")).toMatchObject({ reached: 4, current: 1 });
    expect(step("email", "activation/nudge")).toMatchObject({ reached: 2, current: 0 });
    expect((await get("/v1/admin/journeys/nope/funnel")).status).toBe(404);
  });

  it("filters runs by the step they are at, with their next wake time", async () => {
    const { body } = await get("/v1/admin/journeys/activation-welcome/runs?step=post-welcome");
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      userId: "f1",
      status: "waiting",
      currentStep: "post-welcome",
      nextWakeAt: new Date(h.clock.now().getTime() + 2 * 86_400_000).toISOString(),
    });
    const completed = await get("/v1/admin/journeys/activation-welcome/runs?status=completed");
    expect(completed.body.data.map((r: { userId: string }) => r.userId).sort()).toEqual(["w1", "w2"]);
    expect(completed.body.data[0]).toMatchObject({ currentStep: null, nextWakeAt: null });
  });

  it("disables and re-enables a journey at runtime, audited; the router skips it while disabled", async () => {
    const off = await call("PUT", "/v1/admin/journeys/checkout-recovery/enabled", { enabled: false });
    expect(off).toMatchObject({
      status: 200,
      body: { data: { journeyId: "checkout-recovery", enabled: false, enabledOverride: false } },
    });
    await h.send({ event: "checkout.started", userId: "d1", properties: { cartId: "c1" } });
    expect(await h.runs({ journeyId: "checkout-recovery", userId: "d1" })).toHaveLength(0);
    expect(await journeyOf("checkout-recovery")).toMatchObject({
      enabled: false,
      enabledOverride: false,
      skips: { journey_disabled: 1 },
    });

    const cleared = await call("PUT", "/v1/admin/journeys/checkout-recovery/enabled", { enabled: null });
    expect(cleared.body.data).toEqual({
      journeyId: "checkout-recovery",
      enabled: true,
      enabledOverride: null,
    });
    await h.send({ event: "checkout.started", userId: "d1", properties: { cartId: "c2" } });
    expect(await h.runs({ journeyId: "checkout-recovery", userId: "d1" })).toHaveLength(1);
    expect(await auditActions("checkout-recovery")).toEqual(["journey.override_cleared", "journey.disabled"]);

    expect((await call("PUT", "/v1/admin/journeys/nope/enabled", { enabled: false })).status).toBe(404);
    expect((await call("PUT", "/v1/admin/journeys/flaky/enabled", { enabled: 1 })).status).toBe(400);
  });

  it("retries a failed run: it replays from its journal and finishes, audited", async () => {
    await h.send({ event: "flaky.start", userId: "r1" });
    await h.advance(hours(2));
    const [failed] = await h.runs({ journeyId: "flaky", userId: "r1" });
    expect(failed).toMatchObject({ status: "failed", error: expect.stringContaining("CRM said no") });
    expect((await journeyOf("flaky")).runs).toEqual({ failed: 1 });

    stepFails = false;
    const retried = await call("POST", `/v1/admin/runs/${failed!.id}/retry`);
    expect(retried).toMatchObject({
      status: 200,
      body: { data: { status: "active", error: null, attempts: 0 } },
    });
    await h.drain();
    expect((await h.run(failed!.id))?.status).toBe("completed");
    // The replay returned the recorded checkpoint and sleep; only the failed step ran again.
    expect((await h.journal(failed!.id)).map((e) => `${e.kind}:${e.label}`)).toEqual([
      "checkpoint:started",
      "sleep:nap",
      "step:call-crm",
      "checkpoint:done",
    ]);
    expect((await journeyOf("flaky")).runs).toEqual({ completed: 1 });
    expect(await auditActions(failed!.id)).toEqual(["run.retried"]);
    expect((await call("POST", `/v1/admin/runs/${failed!.id}/retry`)).status).toBe(409);
    expect((await call("POST", "/v1/admin/runs/00000000-0000-4000-8000-000000000000/retry")).status).toBe(
      404,
    );
  });
});

describe("overview", () => {
  it("reports sends, rates against the bands, sends per day, runs, contacts and health from rollups", async () => {
    const now = h.clock.now();
    const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
    const tenDaysAgo = new Date(now.getTime() - 10 * 86_400_000).toISOString();
    // 100 product emails an hour ago, 50 marketing ten days ago; delivered, bounced and complained events.
    await app.db.query(
      `INSERT INTO messages (to_email, template, subject, category, status, sent_at, created_at, updated_at)
       SELECT 'o' || i || '@example.com', 'seed', 's', CASE WHEN i <= 100 THEN 'product' ELSE 'marketing' END,
              'queued', NULL, now(), now()
         FROM generate_series(1, 150) i`,
    );
    await app.db.query(
      `UPDATE messages SET status = 'sent',
              sent_at = CASE WHEN category = 'product' THEN $1::timestamptz ELSE $2::timestamptz END
        WHERE template = 'seed'`,
      [hourAgo, tenDaysAgo],
    );
    await app.db.query(
      `INSERT INTO message_events (message_id, email, type, source, occurred_at)
       SELECT id, to_email, t.type, 'resend', $1
         FROM (SELECT id, to_email, row_number() OVER (ORDER BY id) AS n FROM messages WHERE template = 'seed') m
         JOIN LATERAL (SELECT 'delivered' AS type UNION ALL
                       SELECT 'bounced' WHERE m.n <= 6 UNION ALL SELECT 'complained' WHERE m.n = 7) t ON true`,
      [hourAgo],
    );
    const { status, body } = await get("/v1/admin/overview");
    expect(status).toBe(200);
    const data = body.data;
    // Journey emails from the tests above were never delivered (the harness has no provider): only the seed counts.
    expect(data.sent).toEqual({ last24h: 100, last7d: 100, last30d: 150 });
    expect(data.rates.delivered).toBeCloseTo(1, 5);
    expect(data.rates.bounce).toEqual({ rate: 6 / 150, band: "warn", warn: 0.02, critical: 0.05 });
    expect(data.rates.complaint).toEqual({ rate: 1 / 150, band: "critical", warn: 0.001, critical: 0.003 });
    const day = (at: string) => at.slice(0, 10);
    expect(data.sendsPerDay).toEqual(
      expect.arrayContaining([
        { day: day(hourAgo), category: "product", sent: 100 },
        { day: day(tenDaysAgo), category: "marketing", sent: 50 },
      ]),
    );
    expect(data.runs).toMatchObject({ failed: 0 });
    expect(data.runs.sleeping).toBeGreaterThanOrEqual(1);
    const contacts = await app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM contacts");
    expect(data.contacts).toEqual({ count: contacts.rows[0]!.n, approximate: false });
    expect(data.contacts.count).toBeGreaterThanOrEqual(6);
    expect(data.health).toMatchObject({ schema: { current: true, pending: [] }, routingDeadLetters: 0 });
    expect(data.health.routingQueue).toEqual({ depth: 0, lagSeconds: 0 });
    // Folding must not change a figure.
    expect(await foldEmailCounters(app.db)).toBeGreaterThan(0);
    const again = (await get("/v1/admin/overview")).body.data;
    expect({ sent: again.sent, rates: again.rates, perDay: again.sendsPerDay }).toEqual({
      sent: data.sent,
      rates: data.rates,
      perDay: data.sendsPerDay,
    });
  });
});

describe("contacts in Studio", () => {
  it("searches by exact id, email prefix and property:value", async () => {
    await app.db.query(
      `INSERT INTO contacts (user_id, email, properties) VALUES
         ('search-ada', 'Ada.Lovelace@Example.com', '{"plan": "pro", "seats": 3}'),
         ('search-bob', 'bob@example.org', '{"plan": "free", "beta": true}'),
         ('search-cy', 'ada.c@example.net', '{"plan": "pro"}')`,
    );
    const ids = async (q: string) =>
      (await get(`/v1/admin/contacts?q=${encodeURIComponent(q)}`)).body.data
        .map((c: { userId: string }) => c.userId)
        .filter((id: string) => id.startsWith("search-"));
    expect(await ids("search-bob")).toEqual(["search-bob"]);
    expect(await ids("ada.")).toEqual(["search-ada", "search-cy"]);
    expect(await ids("ADA.LOVELACE@")).toEqual(["search-ada"]);
    expect(await ids("plan:pro")).toEqual(["search-ada", "search-cy"]);
    expect(await ids("seats:3")).toEqual(["search-ada"]);
    expect(await ids("beta:true")).toEqual(["search-bob"]);
    expect(await ids("plan:enterprise")).toEqual([]);
    expect(await ids("a%")).toEqual([]);
  });

  it("pages through a common property value (thousands of matches) in user id order, missing none", async () => {
    await app.db.query(
      `INSERT INTO contacts (user_id, email, properties)
       SELECT 'dense-' || lpad(i::text, 5, '0'), 'dense' || i || '@example.com',
              CASE WHEN i % 10 = 0 THEN '{"tier": "silver"}'::jsonb ELSE '{"tier": "gold"}'::jsonb END
         FROM generate_series(1, 7000) i`,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 200; page++) {
      const { status, body } = await get(
        `/v1/admin/contacts?q=tier:gold&limit=500${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(status).toBe(200);
      seen.push(...body.data.map((c: { userId: string }) => c.userId));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    expect(seen).toHaveLength(6300);
    expect(new Set(seen).size).toBe(6300);
    expect([...seen].sort()).toEqual(seen);
    expect(seen.every((id) => Number(id.slice(6)) % 10 !== 0)).toBe(true);
  });

  it("edits preferences, audited, and 404s an unknown contact", async () => {
    const res = await call("PUT", "/v1/admin/contacts/search-ada/preferences", {
      globallyUnsubscribed: false,
      categories: { marketing: false, product: true },
    });
    expect(res).toMatchObject({
      status: 200,
      body: { data: { globallyUnsubscribed: false, unsubscribedCategories: ["marketing"] } },
    });
    const global = await call("PUT", "/v1/admin/contacts/search-ada/preferences", {
      globallyUnsubscribed: true,
    });
    expect(global.body.data).toEqual({ globallyUnsubscribed: true, unsubscribedCategories: ["marketing"] });
    expect((await get("/v1/admin/contacts/search-ada")).body.data.contact).toMatchObject({
      subscribed: false,
    });
    expect(await auditActions("search-ada")).toEqual([
      "contact.preferences_updated",
      "contact.preferences_updated",
    ]);
    expect(
      (await call("PUT", "/v1/admin/contacts/nobody/preferences", { globallyUnsubscribed: true })).status,
    ).toBe(404);
  });
});

describe("messages in Studio", () => {
  it("filters by status, template, journey, address and date; resends one, audited", async () => {
    const welcome = await get("/v1/admin/messages?journey=activation-welcome&template=activation/welcome");
    expect(welcome.body.data.map((m: { to: string }) => m.to).sort()).toEqual([
      "f1@example.com",
      "w1@example.com",
      "w2@example.com",
      "w3@example.com",
    ]);
    const to = await get("/v1/admin/messages?to=W1@example.com&journey=activation-welcome");
    expect(to.body.data.map((m: { template: string }) => m.template)).toEqual([
      "activation/nudge",
      "activation/welcome",
    ]);
    const future = new Date(h.clock.now().getTime() + 86_400_000).toISOString();
    expect((await get(`/v1/admin/messages?from=${future}`)).body.data).toEqual([]);
    const seeded = await get(`/v1/admin/messages?status=sent&template=seed&until=${future}&limit=200`);
    expect(seeded.body.data).toHaveLength(150);
    expect((await get("/v1/admin/messages?from=yesterday")).status).toBe(400);

    const original = welcome.body.data.find((m: { to: string }) => m.to === "f1@example.com");
    const detail = await get(`/v1/admin/messages/${original.id}`);
    expect(detail.body.data).toMatchObject({ id: original.id, html: null, headers: null, events: [] });
    const resent = await call("POST", `/v1/admin/messages/${original.id}/resend`);
    expect(resent).toMatchObject({
      status: 201,
      body: { data: { status: "queued", resentFrom: original.id } },
    });
    const copy = await get(`/v1/admin/messages/${resent.body.data.messageId}`);
    expect(copy.body.data).toMatchObject({
      to: "f1@example.com",
      template: "activation/welcome",
      subject: original.subject,
      journeyId: null,
      status: "queued",
    });
    expect(await auditActions(original.id)).toEqual(["message.resent"]);
  });
});

describe("templates in Studio", () => {
  it("lists each template with its category and a JSON Schema of its props", async () => {
    const { body } = await get("/v1/admin/templates");
    const welcome = body.data.find((t: { key: string }) => t.key === "activation/welcome");
    expect(welcome.category).toBe("product");
    expect(welcome.propsSchema).toMatchObject({ type: "object" });
    expect(Object.keys(welcome.propsSchema.properties ?? {}).length).toBeGreaterThan(0);
  });

  it("previews as a contact and sends a test through the outbox, audited", async () => {
    const key = "activation/welcome";
    const props = Object.keys(
      (await get("/v1/admin/templates")).body.data.find((t: { key: string }) => t.key === key).propsSchema
        .properties,
    );
    const prop = props.find((p) => /name/i.test(p)) ?? props[0]!;
    await app.db.query(
      `INSERT INTO contacts (user_id, email, properties) VALUES ('preview-zed', 'zed@example.com', $1)`,
      [JSON.stringify({ [prop]: "Zedediah" })],
    );
    const asContact = await call("POST", `/v1/admin/templates/${key}/preview`, { asContact: "preview-zed" });
    expect(asContact.status).toBe(200);
    expect(asContact.body.data.html).toContain("Zedediah");
    const explicit = await call("POST", `/v1/admin/templates/${key}/preview`, {
      asContact: "preview-zed",
      props: { [prop]: "Quincy" },
    });
    expect(explicit.body.data.html).toContain("Quincy");
    expect(explicit.body.data.html).not.toContain("Zedediah");
    expect((await call("POST", `/v1/admin/templates/${key}/preview`, { asContact: "nobody" })).status).toBe(
      404,
    );
    // The GET form (what a read-only viewer can call) takes asContact too.
    const viaGet = await api.request(`/v1/admin/templates/${key}/preview?asContact=preview-zed`, {
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(viaGet.status).toBe(200);
    expect(await viaGet.text()).toContain("Zedediah");

    const sent = await call("POST", `/v1/admin/templates/${key}/test-send`, { to: "qa@example.com" });
    expect(sent).toMatchObject({ status: 202, body: { data: { status: "queued" } } });
    const message = await get(`/v1/admin/messages/${sent.body.data.messageId}`);
    expect(message.body.data).toMatchObject({ to: "qa@example.com", template: key, subject: `Test: ${key}` });
    expect(await auditActions(key)).toEqual(["template.test_sent"]);
    expect((await call("POST", "/v1/admin/templates/nope/test-send", { to: "qa@example.com" })).status).toBe(
      404,
    );
  });
});

describe("suppression import", () => {
  it("imports a CSV all or nothing, audited", async () => {
    const bad = await call(
      "POST",
      "/v1/admin/suppressions/import",
      "email,reason\nok@example.com,manual\nnot-an-address\nx@example.com,whim\n",
      "text/csv",
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: unknown[] }) => d.path)).toEqual([
      ["rows", 2, "email"],
      ["rows", 3, "reason"],
    ]);
    expect((await get("/v1/admin/suppressions?email=ok@example.com")).body.data).toEqual([]);

    await call("POST", "/v1/admin/suppressions", { email: "already@example.com" });
    const ok = await call(
      "POST",
      "/v1/admin/suppressions/import",
      "email,reason\nOK@example.com,complaint\nalready@example.com\nnew@example.com\n",
      "text/csv",
    );
    expect(ok).toMatchObject({ status: 200, body: { data: { rows: 3, added: 2, alreadySuppressed: 1 } } });
    const list = (await get("/v1/admin/suppressions?limit=100")).body.data;
    expect(list.find((s: { email: string }) => s.email === "ok@example.com")).toMatchObject({
      reason: "complaint",
      source: "admin_import",
    });
    expect((await get("/v1/admin/audit-log?action=suppression.imported")).body.data).toHaveLength(1);
    expect((await call("POST", "/v1/admin/suppressions/import", "a@b.co", "text/plain")).status).toBe(415);
  });
});
