import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { pruneAuditLog } from "../src/audit/audit-store.js";
import { loadConfig } from "../src/config.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-key-audit-log-0123456789abc";
let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  api.request(path, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

interface Entry {
  id: number;
  action: string;
  targetType: string;
  targetId: string | null;
  actor: { type: string; id?: string; name?: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
  redactedAt: string | null;
}

async function entries(query = ""): Promise<{ data: Entry[]; nextCursor: string | null }> {
  const res = await call("GET", `/v1/admin/audit-log${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { data: Entry[]; nextCursor: string | null };
}

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

describe("the audit log", () => {
  it("records every admin mutation with its actor, request id, target and before/after", async () => {
    const created = await call(
      "POST",
      "/v1/admin/api-keys",
      { name: "ci", scope: "ingest" },
      { "x-request-id": "req-1" },
    );
    expect(created.status).toBe(201);
    const key = ((await created.json()) as { data: { id: string; key: string } }).data;
    expect((await call("DELETE", `/v1/admin/api-keys/${key.id}`)).status).toBe(200);

    expect(
      (
        await call("PUT", "/v1/admin/contacts/ada", {
          email: "ada@example.com",
          properties: { plan: "free" },
        })
      ).status,
    ).toBe(201);
    expect((await call("PUT", "/v1/admin/contacts/ada", { properties: { plan: "pro" } })).status).toBe(200);
    expect(
      (await call("POST", "/v1/admin/suppressions", { email: "Bob@Example.com", reason: "manual" })).status,
    ).toBe(201);
    // Already suppressed: nothing changed, nothing audited.
    expect(
      (await call("POST", "/v1/admin/suppressions", { email: "bob@example.com", reason: "manual" })).status,
    ).toBe(200);
    expect((await call("DELETE", "/v1/admin/suppressions/bob@example.com")).status).toBe(200);

    const run = await app.db.query<{ id: string }>(
      `INSERT INTO journey_runs (journey_id, user_id, status, current_node_id, due_at, created_at, updated_at)
       VALUES ('audit', 'ada', 'waiting', 'sleep', now() + interval '1 day', now(), now()) RETURNING id`,
    );
    const runId = run.rows[0]!.id;
    expect((await call("POST", `/v1/admin/runs/${runId}/cancel`)).status).toBe(200);
    // Refused changes (already ended, no such key) write nothing.
    expect((await call("POST", `/v1/admin/runs/${runId}/cancel`)).status).toBe(409);
    expect((await call("DELETE", "/v1/admin/api-keys/00000000-0000-4000-8000-000000000000")).status).toBe(
      404,
    );

    const log = (await entries()).data;
    expect(log.map((entry) => entry.action)).toEqual([
      "run.cancelled",
      "suppression.removed",
      "suppression.added",
      "contact.updated",
      "contact.created",
      "api_key.revoked",
      "api_key.created",
    ]);
    const bootstrap = { type: "api_key", id: "bootstrap" };
    for (const entry of log) expect(entry.actor).toMatchObject(bootstrap);
    const byAction = new Map(log.map((entry) => [entry.action, entry]));
    expect(byAction.get("api_key.created")).toMatchObject({
      targetType: "api_key",
      targetId: key.id,
      requestId: "req-1",
      after: { name: "ci", scope: "ingest" },
    });
    // The secret is never in the log.
    expect(JSON.stringify(log)).not.toContain(key.key);
    expect(byAction.get("contact.updated")).toMatchObject({
      targetId: "ada",
      before: { email: "ada@example.com", properties: { plan: "free" } },
      after: { email: "ada@example.com", properties: { plan: "pro" } },
    });
    expect(byAction.get("suppression.removed")).toMatchObject({
      targetId: "bob@example.com",
      before: { reason: "manual" },
    });
    expect(byAction.get("run.cancelled")).toMatchObject({
      targetId: runId,
      before: { status: "waiting", userId: "ada" },
      after: { status: "cancelled" },
    });

    // Filters and the cursor.
    expect((await entries("?targetType=contact")).data.map((entry) => entry.action)).toEqual([
      "contact.updated",
      "contact.created",
    ]);
    const first = await entries("?limit=3");
    expect(first.data).toHaveLength(3);
    const second = await entries(`?limit=3&cursor=${first.nextCursor}`);
    const third = await entries(`?limit=3&cursor=${second.nextCursor}`);
    expect([...first.data, ...second.data, ...third.data].map((entry) => entry.id)).toEqual(
      log.map((e) => e.id),
    );
    expect(third.nextCursor).toBeNull();
    expect((await call("GET", "/v1/admin/audit-log?cursor=not-a-cursor")).status).toBe(400);
    expect((await call("GET", "/v1/admin/audit-log?since=yesterday")).status).toBe(400);
  });

  it("keeps who erased whom but drops what it recorded about the erased person", async () => {
    expect(
      (
        await call("PUT", "/v1/admin/contacts/eve", {
          email: "eve@example.com",
          properties: { city: "Oslo" },
        })
      ).status,
    ).toBe(201);
    const run = await app.db.query<{ id: string }>(
      `INSERT INTO journey_runs (journey_id, user_id, status, current_node_id, due_at, created_at, updated_at)
       VALUES ('audit', 'eve', 'waiting', 'sleep', now() + interval '1 day', now(), now()) RETURNING id`,
    );
    expect((await call("POST", `/v1/admin/runs/${run.rows[0]!.id}/cancel`)).status).toBe(200);
    expect((await call("DELETE", "/v1/admin/contacts/eve")).status).toBe(200);

    const log = (await entries()).data;
    const erased = log.find((entry) => entry.action === "contact.erased");
    expect(erased).toMatchObject({ targetId: "eve", after: { found: true, journeyRuns: 1 } });
    const aboutEve = log.filter(
      (entry) =>
        entry.action !== "contact.erased" && (entry.targetId === "eve" || entry.targetType === "run"),
    );
    const eveEntries = aboutEve.filter((entry) => entry.redactedAt !== null);
    expect(eveEntries.map((entry) => entry.action).sort()).toEqual(["contact.created", "run.cancelled"]);
    for (const entry of eveEntries) {
      expect(entry.before).toBeNull();
      expect(entry.after).toBeNull();
    }
    expect(JSON.stringify(log)).not.toContain("eve@example.com");
    expect(JSON.stringify(log)).not.toContain("Oslo");
    // Ada's entries are untouched.
    expect(log.find((entry) => entry.action === "contact.updated")?.after).toMatchObject({
      properties: { plan: "pro" },
    });
  });

  it("writes the entry in the change's transaction: when the entry cannot be written, the change is undone", async () => {
    await app.db.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN RAISE EXCEPTION 'audit refused'; END $$`);
    await app.db.query(
      "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
    );
    try {
      const res = await call("PUT", "/v1/admin/contacts/zed", { email: "zed@example.com" });
      expect(res.status).toBe(500);
      const res2 = await call("POST", "/v1/admin/api-keys", { name: "never", scope: "ingest" });
      expect(res2.status).toBe(500);
      const contacts = await app.db.query("SELECT 1 FROM contacts WHERE user_id = 'zed'");
      expect(contacts.rowCount).toBe(0);
      const keys = await app.db.query("SELECT 1 FROM api_keys WHERE name = 'never'");
      expect(keys.rowCount).toBe(0);
    } finally {
      await app.db.query("DROP TRIGGER refuse_audit ON audit_log");
      await app.db.query("DROP FUNCTION refuse_audit()");
    }
  });

  it("prunes entries past retention, and only those", async () => {
    await app.db.query(
      "UPDATE audit_log SET occurred_at = now() - interval '400 days' WHERE action = 'api_key.created'",
    );
    const before = (await app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log")).rows[0]!.n;
    const pruned = await pruneAuditLog(app.db, new Date(Date.now() - 365 * 86_400_000), 1);
    expect(pruned).toBe(1);
    const after = (await app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log")).rows[0]!.n;
    expect(after).toBe(before - 1);
    expect((await entries("?action=api_key.created")).data).toEqual([]);
  });
});
