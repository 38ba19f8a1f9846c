import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { readJson } from "./helpers/read-json.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-bootstrap-key-0123456789";
let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(
    loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY, HOGSEND_MAX_BODY_BYTES: "2048" }),
    {
      databaseUrl: testDb.url,
    },
  );
  api = buildApi(app);
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

describe("health", () => {
  it("is healthy when the schema is current", async () => {
    const res = await api.request("/v1/health");
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({ status: "healthy", engine: "postgres" });
    expect(typeof body.version).toBe("string");
  });

  it("reports migration_pending with the pending names on an unmigrated database", async () => {
    const empty = await createTestDatabase({ migrated: false });
    const other = await createApp(loadConfig({ NODE_ENV: "test" }), { databaseUrl: empty.url });
    try {
      const res = await buildApi(other).request("/v1/health");
      expect(res.status).toBe(503);
      const body = await readJson(res);
      expect(body.status).toBe("migration_pending");
      expect(body.pending).toContain("0001_foundation");
    } finally {
      await other.close();
      await empty.drop();
    }
  });

  it("reports database_unreachable when Postgres does not answer", async () => {
    const dead = await createApp(loadConfig({ NODE_ENV: "test" }), {
      databaseUrl: "postgresql://nobody:nothing@127.0.0.1:1/none",
    });
    try {
      const res = await buildApi(dead).request("/v1/health");
      expect(res.status).toBe(503);
      expect(await readJson(res)).toMatchObject({ status: "database_unreachable" });
    } finally {
      await dead.close();
    }
  });
});

describe("HTTP basics", () => {
  it("answers unknown routes with a JSON 404", async () => {
    const res = await api.request("/v1/nope");
    expect(res.status).toBe(404);
    expect(await readJson(res)).toEqual({
      error: { code: "NOT_FOUND", message: "No route for GET /v1/nope" },
    });
  });

  it("puts a request id on every response, echoing a well-formed incoming one", async () => {
    const generated = await api.request("/v1/health");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await api.request("/v1/health", { headers: { "X-Request-Id": "req-123" } });
    expect(echoed.headers.get("x-request-id")).toBe("req-123");
    const replaced = await api.request("/v1/health", { headers: { "X-Request-Id": "bad id with spaces" } });
    expect(replaced.headers.get("x-request-id")).not.toBe("bad id with spaces");
  });

  it("rejects a body over the limit with 413 JSON and writes nothing", async () => {
    const res = await api.request("/v1/admin/api-keys", {
      method: "POST",
      headers: { ...auth(ADMIN_KEY), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(4096) }),
    });
    expect(res.status).toBe(413);
    expect((await readJson(res)).error.code).toBe("PAYLOAD_TOO_LARGE");
    const count = await testDb.db.query("SELECT count(*)::int AS n FROM api_keys");
    expect(count.rows[0]?.n).toBe(0);
  });

  it("rejects malformed JSON, wrong content type and bad fields with 4xx", async () => {
    const post = (body: string, type = "application/json") =>
      api.request("/v1/admin/api-keys", {
        method: "POST",
        headers: { ...auth(ADMIN_KEY), "Content-Type": type },
        body,
      });
    const malformed = await post("{nope");
    expect(malformed.status).toBe(400);
    expect((await readJson(malformed)).error.code).toBe("INVALID_JSON");
    expect((await post("name=x", "application/x-www-form-urlencoded")).status).toBe(415);
    const invalid = await post(JSON.stringify({ name: 42, scope: "root" }));
    expect(invalid.status).toBe(400);
    const details = (await readJson(invalid)).error.details as Array<{ path: string }>;
    expect(details.map((d) => d.path).sort()).toEqual(["name", "scope"]);
    const polluted = await post('{"name":"x","__proto__":{"admin":true}}');
    expect(polluted.status).toBe(400);
    const count = await testDb.db.query("SELECT count(*)::int AS n FROM api_keys");
    expect(count.rows[0]?.n).toBe(0);
  });
});

describe("API keys", () => {
  it("gives 401 with the same body for a missing, wrong, revoked or under-scoped key", async () => {
    const created = await api.request("/v1/admin/api-keys", {
      method: "POST",
      headers: { ...auth(ADMIN_KEY), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "ingest-only", scope: "ingest" }),
    });
    expect(created.status).toBe(201);
    const ingestKey = (await readJson(created)).data.key as string;
    expect(ingestKey).toMatch(/^hs_ingest_/);

    const responses = [
      await api.request("/v1/admin/api-keys"),
      await api.request("/v1/admin/api-keys", { headers: auth("hs_admin_wrong") }),
      await api.request("/v1/admin/api-keys", { headers: auth(ingestKey) }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(401);
      expect(await readJson(res)).toEqual({
        error: { code: "UNAUTHORIZED", message: "Missing or invalid API key" },
      });
    }
  });

  it("stores only a hash, accepts a created admin key, and stops accepting it once revoked", async () => {
    const created = await api.request("/v1/admin/api-keys", {
      method: "POST",
      headers: { ...auth(ADMIN_KEY), "Content-Type": "application/json" },
      body: JSON.stringify({ name: "ops", scope: "admin" }),
    });
    const { key, id } = (await readJson(created)).data as { key: string; id: string };
    const stored = await testDb.db.query("SELECT key_hash FROM api_keys WHERE id = $1", [id]);
    expect(stored.rows[0]?.key_hash).not.toContain(key);
    expect(stored.rows[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);

    const viaXApiKey = await api.request("/v1/admin/api-keys", { headers: { "X-Api-Key": key } });
    expect(viaXApiKey.status).toBe(200);
    const list = (await readJson(viaXApiKey)).data as Array<{ id: string; name: string }>;
    expect(list.map((k) => k.name)).toContain("ops");
    expect(JSON.stringify(list)).not.toContain(key);

    const revoked = await api.request(`/v1/admin/api-keys/${id}`, {
      method: "DELETE",
      headers: auth(ADMIN_KEY),
    });
    expect(revoked.status).toBe(200);
    // A fresh API instance has no auth cache, so the revocation is seen at once.
    const after = await buildApi(app).request("/v1/admin/api-keys", { headers: auth(key) });
    expect(after.status).toBe(401);
  });
});
