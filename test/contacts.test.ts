import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { upsertContactsFromEvents } from "../src/contacts/contact-store.js";
import { getEventsByIds, insertEvents } from "../src/events/event-store.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-bootstrap-key-0123456789";
let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY }), {
    databaseUrl: testDb.url,
  });
  api = buildApi(app);
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on, not trusted
const readJson = (res: Response): Promise<any> => res.json();
// biome-ignore lint/suspicious/noExplicitAny: as readJson
const readData = async (res: Response): Promise<any> => (await readJson(res)).data;
const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

function put(userId: string, body: unknown) {
  return api.request(`/v1/admin/contacts/${encodeURIComponent(userId)}`, {
    method: "PUT",
    headers: { ...admin, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Stores events and routes their contact upsert the way the router does. */
async function storeAndRoute(events: Parameters<typeof insertEvents>[1]) {
  const { insertedIds } = await insertEvents(app.db, events);
  await upsertContactsFromEvents(app.db, await getEventsByIds(app.db, insertedIds));
}

describe("PUT /v1/admin/contacts/:userId", () => {
  it("creates (201), then updates (200), replacing properties and setting subscription", async () => {
    const created = await put("u-put", { email: "Put@Example.com", properties: { plan: "free" } });
    expect(created.status).toBe(201);
    expect(await readData(created)).toMatchObject({
      userId: "u-put",
      email: "Put@Example.com",
      properties: { plan: "free" },
      subscribed: true,
    });
    const updated = await put("u-put", { properties: { plan: "pro" }, subscribed: false });
    expect(updated.status).toBe(200);
    const body = await readData(updated);
    expect(body).toMatchObject({ email: "Put@Example.com", properties: { plan: "pro" }, subscribed: false });
    expect(body.unsubscribedAt).not.toBeNull();
    const resubscribed = await readData(await put("u-put", { subscribed: true, email: null }));
    expect(resubscribed).toMatchObject({ subscribed: true, email: null, properties: { plan: "pro" } });
  });

  it("rejects bad emails, non-object properties, unknown fields and reserved keys", async () => {
    for (const body of [
      { email: "nope" },
      { properties: [1, 2] },
      { properties: "x" },
      { nickname: "x" },
      { subscribed: "yes" },
    ]) {
      expect((await put("u-put-bad", body)).status, JSON.stringify(body)).toBe(400);
    }
    const proto = await api.request("/v1/admin/contacts/u-put-bad", {
      method: "PUT",
      headers: { ...admin, "Content-Type": "application/json" },
      body: '{"properties":{"__proto__":{"isAdmin":true}}}',
    });
    expect(proto.status).toBe(400);
    const found = await testDb.db.query("SELECT 1 FROM contacts WHERE user_id = 'u-put-bad'");
    expect(found.rowCount).toBe(0);
  });
});

describe("contact properties from events", () => {
  it("applies $set (overwrite) and $set_once (only when absent); other properties stay on the event", async () => {
    await storeAndRoute([
      {
        messageId: "set-1",
        event: "signed_up",
        userId: "u-set",
        userEmail: "set@example.com",
        properties: { $set: { plan: "free", name: "A" }, $set_once: { source: "ads" }, page: "/x" },
        occurredAt: new Date("2026-01-01T00:00:00Z"),
      },
    ]);
    await storeAndRoute([
      {
        messageId: "set-2",
        event: "upgraded",
        userId: "u-set",
        properties: { $set: { plan: "pro" }, $set_once: { source: "organic", first_plan: "pro" } },
        occurredAt: new Date("2026-01-02T00:00:00Z"),
      },
    ]);
    const res = await api.request("/v1/admin/contacts/u-set", { headers: admin });
    const profile = await readData(res);
    expect(profile.contact.properties).toEqual({ plan: "pro", name: "A", source: "ads", first_plan: "pro" });
    expect(profile.contact.email).toBe("set@example.com");
    expect(profile.recentEvents.map((e: { event: string }) => e.event)).toEqual(["upgraded", "signed_up"]);
  });
});

describe("GET /v1/admin/contacts/:userId", () => {
  it("shows properties, events, journey runs, messages and subscription state", async () => {
    await put("u-full", { email: "full@example.com", properties: { tier: "gold" } });
    await storeAndRoute([
      { messageId: "full-1", event: "visited", userId: "u-full", occurredAt: new Date() },
    ]);
    await testDb.db.query(
      `INSERT INTO journey_runs (journey_id, user_id, status, current_node_id, created_at, updated_at)
       VALUES ('welcome', 'u-full', 'waiting', 'sleep-1', now(), now())`,
    );
    await testDb.db.query(
      `INSERT INTO messages (user_id, to_email, template, subject) VALUES ('u-full', 'full@example.com', 'welcome', 'Hi')`,
    );
    await testDb.db.query(
      "INSERT INTO suppressions (email, reason, source) VALUES ('full@example.com', 'hard_bounce', 'resend')",
    );
    const res = await api.request("/v1/admin/contacts/u-full", { headers: admin });
    expect(res.status).toBe(200);
    const profile = await readData(res);
    expect(profile.contact).toMatchObject({ userId: "u-full", properties: { tier: "gold" } });
    expect(profile.recentEvents).toHaveLength(1);
    expect(profile.journeyRuns).toEqual([
      expect.objectContaining({ journeyId: "welcome", status: "waiting", currentNodeId: "sleep-1" }),
    ]);
    expect(profile.recentMessages).toEqual([expect.objectContaining({ template: "welcome", subject: "Hi" })]);
    expect(profile.subscription).toMatchObject({ subscribed: true, suppression: { reason: "hard_bounce" } });
  });

  it("answers 404 for an unknown contact and 400 for an over-long id", async () => {
    expect((await api.request("/v1/admin/contacts/nobody-here", { headers: admin })).status).toBe(404);
    expect((await api.request(`/v1/admin/contacts/${"x".repeat(300)}`, { headers: admin })).status).toBe(400);
  });
});

describe("GET /v1/admin/contacts", () => {
  it("searches by id or email substring and pages with a cursor", async () => {
    for (let i = 0; i < 7; i++) await put(`list-${i}`, { email: `person${i}@list.example` });
    await put("list_%", { email: "wild@list.example" });
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const url: string = `/v1/admin/contacts?search=list.example&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const body = await readJson(await api.request(url, { headers: admin }));
      ids.push(...body.data.map((c: { userId: string }) => c.userId));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(ids).toEqual([...Array.from({ length: 7 }, (_, i) => `list-${i}`), "list_%"]);
    const literal = await readJson(await api.request("/v1/admin/contacts?search=_%25", { headers: admin }));
    expect(literal.data.map((c: { userId: string }) => c.userId)).toEqual(["list_%"]);
  });
});

describe("DELETE /v1/admin/contacts/:userId (GDPR erase)", () => {
  it("removes events, messages, runs and PII, keeps a tombstone, and a returning user comes back unsubscribed", async () => {
    await put("u-erase", { email: "Erase@Example.com", properties: { name: "Eve" } });
    await storeAndRoute([
      {
        messageId: "erase-1",
        event: "a",
        userId: "u-erase",
        userEmail: "erase@example.com",
        occurredAt: new Date(),
      },
      { messageId: "erase-2", event: "b", userId: "u-erase", occurredAt: new Date() },
    ]);
    await testDb.db.query(
      `INSERT INTO journey_runs (journey_id, user_id, status, created_at, updated_at)
       VALUES ('welcome', 'u-erase', 'active', now(), now())`,
    );
    await testDb.db.query(
      `INSERT INTO messages (to_email, template, subject) VALUES ('erase@example.com', 'welcome', 'Hi')`,
    );
    const res = await api.request("/v1/admin/contacts/u-erase", { method: "DELETE", headers: admin });
    expect(res.status).toBe(200);
    expect(await readData(res)).toMatchObject({ erased: true, events: 2, messages: 1, journeyRuns: 1 });

    const leftovers = await testDb.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM contacts WHERE user_id = 'u-erase')
            + (SELECT count(*) FROM events WHERE user_id = 'u-erase')
            + (SELECT count(*) FROM event_message_ids WHERE message_id LIKE 'erase-%')
            + (SELECT count(*) FROM messages WHERE lower(to_email) = 'erase@example.com')
            + (SELECT count(*) FROM journey_runs WHERE user_id = 'u-erase') AS n`,
    );
    expect(Number(leftovers.rows[0]!.n)).toBe(0);
    const tombstone = await testDb.db.query("SELECT * FROM contact_tombstones");
    expect(JSON.stringify(tombstone.rows)).not.toMatch(/u-erase|example\.com|Eve/i);
    expect(tombstone.rowCount).toBe(1);

    // The same person again, under the old id and under a new id with the old address.
    await storeAndRoute([{ messageId: "erase-3", event: "a", userId: "u-erase", occurredAt: new Date() }]);
    await storeAndRoute([
      {
        messageId: "erase-4",
        event: "a",
        userId: "u-new",
        userEmail: "ERASE@example.com",
        occurredAt: new Date(),
      },
    ]);
    await storeAndRoute([
      { messageId: "erase-5", event: "a", userId: "u-unrelated", occurredAt: new Date() },
    ]);
    const states = await testDb.db.query<{ user_id: string; unsubscribed: boolean }>(
      `SELECT user_id, unsubscribed_at IS NOT NULL AS unsubscribed FROM contacts
        WHERE user_id IN ('u-erase', 'u-new', 'u-unrelated') ORDER BY user_id`,
    );
    expect(states.rows).toEqual([
      { user_id: "u-erase", unsubscribed: true },
      { user_id: "u-new", unsubscribed: true },
      { user_id: "u-unrelated", unsubscribed: false },
    ]);
    // Erasing is idempotent: nothing stored (never existed, or erased already) is still a 200.
    for (const userId of ["never-existed", "u-unrelated", "u-unrelated"]) {
      const again = await api.request(`/v1/admin/contacts/${userId}`, { method: "DELETE", headers: admin });
      expect(again.status).toBe(200);
      expect(await readData(again)).toMatchObject({ erased: true });
    }
    const twice = await api.request("/v1/admin/contacts/u-unrelated", { method: "DELETE", headers: admin });
    expect(await readData(twice)).toEqual({
      erased: true,
      found: false,
      events: 0,
      messages: 0,
      journeyRuns: 0,
    });
  });
});

describe("import and export", () => {
  function importBody(body: string | Uint8Array, contentType: string) {
    return api.request("/v1/admin/contacts/import", {
      method: "POST",
      headers: { ...admin, "Content-Type": contentType },
      body,
    });
  }

  it("imports CSV, reporting bad rows by line without failing the good ones", async () => {
    const csv = [
      "userId,email,plan,properties",
      "imp-1,one@example.com,pro,",
      ",missing@example.com,pro,",
      "imp-2,not-an-email,pro,",
      'imp-3,three@example.com,free,"{""age"":30}"',
      "imp-4,four@example.com",
      'imp-5,five@example.com,free,"{bad json"',
      "imp-1,,enterprise,",
      "",
    ].join("\n");
    const res = await importBody(csv, "text/csv");
    expect(res.status).toBe(200);
    const summary = await readData(res);
    expect(summary).toMatchObject({ rows: 7, imported: 3, failed: 4 });
    expect(summary.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 6, 7]);
    const rows = await testDb.db.query(
      "SELECT user_id, email, properties FROM contacts WHERE user_id LIKE 'imp-%' ORDER BY user_id",
    );
    expect(rows.rows).toEqual([
      { user_id: "imp-1", email: "one@example.com", properties: { plan: "enterprise" } },
      { user_id: "imp-3", email: "three@example.com", properties: { plan: "free", age: 30 } },
    ]);
  });

  it("imports NDJSON with bad lines (invalid JSON, invalid UTF-8, reserved keys) reported by line", async () => {
    const lines = [
      '{"userId":"nd-1","email":"nd1@example.com","properties":{"a":1}}',
      "{not json",
      '{"userId":"nd-2","properties":{"__proto__":{"x":1}}}',
      '{"userId":"nd-3","subscribed":false}',
      "INVALID_UTF8",
      "[1,2,3]",
      "",
      `{"userId":"nd-4'); DROP TABLE contacts;--","email":"nd4@example.com"}`,
    ].join("\n");
    const bytes = Buffer.from(lines);
    const at = bytes.indexOf("INVALID_UTF8");
    const body = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28]), bytes.subarray(at + 12)]);
    const summary = await readData(await importBody(body, "application/x-ndjson"));
    expect(summary).toMatchObject({ imported: 3, failed: 4 });
    expect(summary.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 5, 6]);
    const rows = await testDb.db.query<{ user_id: string; unsubscribed: boolean }>(
      "SELECT user_id, unsubscribed_at IS NOT NULL AS unsubscribed FROM contacts WHERE user_id LIKE 'nd-%' ORDER BY 1",
    );
    expect(rows.rows).toEqual([
      { user_id: "nd-1", unsubscribed: false },
      { user_id: "nd-3", unsubscribed: true },
      { user_id: "nd-4'); DROP TABLE contacts;--", unsubscribed: false },
    ]);
  });

  it("refuses an import without a usable format or header, writing nothing", async () => {
    expect((await importBody("userId\nx-1\n", "text/plain")).status).toBe(415);
    expect((await importBody("email\nnoid@example.com\n", "text/csv")).status).toBe(400);
    expect((await importBody("__proto__,userId\n1,x-2\n", "text/csv")).status).toBe(400);
    const none = await testDb.db.query("SELECT 1 FROM contacts WHERE user_id IN ('x-1', 'x-2')");
    expect(none.rowCount).toBe(0);
  });

  it("exports CSV and NDJSON that re-import to the same contacts", async () => {
    const ndjson = await api.request("/v1/admin/contacts/export?format=ndjson", { headers: admin });
    expect(ndjson.headers.get("content-type")).toContain("ndjson");
    const lines = (await ndjson.text()).trim().split("\n");
    const total = await testDb.db.query<{ n: number }>("SELECT count(*)::int AS n FROM contacts");
    expect(lines).toHaveLength(total.rows[0]!.n);
    const nd3 = lines.map((l) => JSON.parse(l)).find((c) => c.userId === "nd-3");
    expect(nd3).toMatchObject({ subscribed: false });

    const csv = await (await api.request("/v1/admin/contacts/export?format=csv", { headers: admin })).text();
    expect(csv.split("\n")[0]).toBe("userId,email,subscribed,properties,unsubscribedAt,createdAt,lastSeenAt");
    const before = await testDb.db.query("SELECT user_id, email, properties FROM contacts ORDER BY user_id");
    await testDb.db.query("DELETE FROM contacts");
    const summary = await readData(await importBody(csv, "text/csv"));
    expect(summary.failed).toBe(0);
    const after = await testDb.db.query("SELECT user_id, email, properties FROM contacts ORDER BY user_id");
    expect(after.rows).toEqual(before.rows);
    const unsub = await testDb.db.query("SELECT unsubscribed_at FROM contacts WHERE user_id = 'nd-3'");
    expect(unsub.rows[0]?.unsubscribed_at).not.toBeNull();
  });
});
