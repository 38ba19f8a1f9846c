import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, mintFirstStudioAdmin, type RunningServer, startApiServer } from "../src/app.js";
import { CLI_AUDIT_CONTEXT } from "../src/audit/audit-entry.js";
import { createStudioUser } from "../src/auth/studio/create-studio-user.js";
import { DEFAULT_SIGN_IN_LIMITS } from "../src/auth/studio/studio-auth.js";
import { loadConfig } from "../src/config.js";
import { type StudioHttp, studioHttp } from "./helpers/studio-session.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-bootstrap-key-studio-0123456789";
const ORIGIN = "http://studio.example.test";
const ADMIN = { email: "ada@example.test", password: "correct-horse-battery" };
let testDb: TestDatabase;
let app: App;
let server: RunningServer;
let base: string;
let ipCounter = 0;
/** A fresh client address per use: each test's rate-limit counters start empty. */
const freshIp = () => `198.51.100.${++ipCounter}`;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: "test",
    HOGSEND_API_KEY: ADMIN_KEY,
    API_PUBLIC_URL: ORIGIN,
    HOGSEND_TRUSTED_PROXY_HEADER: "X-Forwarded-For",
    STUDIO_ADMIN_EMAIL: ADMIN.email,
    STUDIO_ADMIN_PASSWORD: ADMIN.password,
  });
  app = await createApp(config, { databaseUrl: testDb.url });
  await mintFirstStudioAdmin(app);
  server = await startApiServer(app, 0);
  base = `http://127.0.0.1:${server.port}`;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await app?.close();
  await testDb?.drop();
});

async function signedInAdmin(): Promise<StudioHttp> {
  const http = studioHttp(base, ORIGIN);
  const res = await http.signIn(ADMIN.email, ADMIN.password, freshIp());
  expect(res.status).toBe(200);
  return http;
}

async function signedInViewer(email: string): Promise<StudioHttp> {
  await createStudioUser(
    app.studioAuth(),
    { email, password: "viewer-password-1", role: "viewer" },
    CLI_AUDIT_CONTEXT,
  );
  const http = studioHttp(base, ORIGIN);
  expect((await http.signIn(email, "viewer-password-1", freshIp())).status).toBe(200);
  return http;
}

describe("sign-in", () => {
  it("signs in with the right password and sets an HttpOnly, SameSite=Lax session cookie named hogsend.*", async () => {
    const http = studioHttp(base, ORIGIN);
    const res = await http.signIn(ADMIN.email, ADMIN.password, freshIp());
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("hogsend.session_token="));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    // Not production: plain http, so not Secure (the production case is checked below).
    expect(cookie).not.toMatch(/;\s*Secure/i);
    const session = await http.request("/v1/auth/get-session");
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { email: string; role: string } };
    expect(body.user).toMatchObject({ email: ADMIN.email, role: "admin" });
  });

  it("refuses a wrong password with 401 and sets no cookie", async () => {
    const http = studioHttp(base, ORIGIN);
    const res = await http.signIn(ADMIN.email, "wrong-password-123", freshIp());
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("hogsend.session_token="))).toBe(false);
  });

  it("keeps public sign-up closed", async () => {
    const http = studioHttp(base, ORIGIN);
    const res = await http.request("/v1/auth/sign-up/email", {
      method: "POST",
      body: JSON.stringify({ email: "mallory@example.test", password: "mallory-password-1", name: "M" }),
      ip: freshIp(),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const rows = await testDb.db.query("SELECT 1 FROM studio_users WHERE email = 'mallory@example.test'");
    expect(rows.rowCount).toBe(0);
    // Nor can a signed-in viewer create users through the admin plugin.
    const viewer = await signedInViewer("vera-signup@example.test");
    const attempt = await viewer.request("/v1/auth/admin/create-user", {
      method: "POST",
      body: JSON.stringify({ email: "mallory@example.test", password: "mallory-password-1", name: "M" }),
    });
    expect(attempt.status).toBe(403);
  });

  it("rejects junk bodies with a 4xx, never a 5xx", async () => {
    const http = studioHttp(base, ORIGIN);
    const bodies = [
      "{",
      JSON.stringify({ email: "a\u0000b@example.test", password: "x".repeat(12) }),
      JSON.stringify({ email: ["x"], password: { a: 1 } }),
      JSON.stringify({ __proto__: { admin: true }, email: "a@b.c", password: "0123456789" }),
      "[".repeat(5000),
    ];
    for (const body of bodies) {
      const res = await http.request("/v1/auth/sign-in/email", { method: "POST", body, ip: freshIp() });
      expect(res.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.status, body.slice(0, 40)).toBeLessThan(500);
    }
  });

  it("limits sign-in attempts per client IP (from the trusted proxy header only)", async () => {
    const ip = freshIp();
    const http = studioHttp(base, ORIGIN);
    const statuses: number[] = [];
    for (let i = 0; i <= DEFAULT_SIGN_IN_LIMITS.perIp.max; i++) {
      statuses.push((await http.signIn(`nobody${i}@example.test`, "wrong-password-123", ip)).status);
    }
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // The same client with a different forged first hop is still the same client: only the last hop counts.
    const again = await http.request("/v1/auth/sign-in/email", {
      method: "POST",
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
      headers: { "x-forwarded-for": `10.9.9.9, ${ip}` },
    });
    expect(again.status).toBe(429);
    // Another client is not affected.
    expect((await http.signIn(ADMIN.email, ADMIN.password, freshIp())).status).toBe(200);
  });

  it("limits sign-in attempts per account across IPs", async () => {
    const email = "target@example.test";
    await createStudioUser(
      app.studioAuth(),
      { email, password: "target-password-1", role: "viewer" },
      CLI_AUDIT_CONTEXT,
    );
    const http = studioHttp(base, ORIGIN);
    const statuses: number[] = [];
    for (let i = 0; i < DEFAULT_SIGN_IN_LIMITS.perAccount.max; i++) {
      statuses.push((await http.signIn(email, `guess-number-${i}`, freshIp())).status);
    }
    expect(statuses.every((s) => s === 401)).toBe(true);
    // From a new IP, with the right password, in upper case: the account is resting.
    const res = await http.signIn(email.toUpperCase(), "target-password-1", freshIp());
    expect(res.status).toBe(429);
    // Other accounts sign in as usual.
    expect((await http.signIn(ADMIN.email, ADMIN.password, freshIp())).status).toBe(200);
  });

  it("signs out", async () => {
    const http = await signedInAdmin();
    const out = await http.request("/v1/auth/sign-out", { method: "POST", body: "{}" });
    expect(out.status).toBe(200);
    const after = await http.request("/v1/admin/suppressions");
    expect(after.status).toBe(401);
  });
});

describe("the admin API with a Studio session", () => {
  it("lets an admin read and change, from the trusted origin", async () => {
    const http = await signedInAdmin();
    const admin = http;
    expect((await http.request("/v1/admin/suppressions")).status).toBe(200);
    const add = await http.request("/v1/admin/suppressions", {
      method: "POST",
      body: JSON.stringify({ email: "bounced@example.test" }),
    });
    expect(add.status).toBeLessThan(300);
    const viaReferer = await http.request("/v1/admin/suppressions", {
      method: "POST",
      origin: null,
      headers: { referer: `${ORIGIN}/studio/suppressions` },
      body: JSON.stringify({ email: "bounced2@example.test" }),
    });
    expect(viaReferer.status).toBeLessThan(300);
    // The audit log names the person, not a key.
    const audit = await admin.request("/v1/admin/audit-log?targetType=suppression&limit=10");
    const entries = ((await audit.json()) as { data: Array<{ actor: unknown; targetId: string }> }).data;
    const entry = entries.find((e) => e.targetId === "bounced@example.test");
    expect(entry?.actor).toMatchObject({ type: "user", email: ADMIN.email });
  });

  it("refuses a cookie-authenticated change without a trusted Origin or Referer (CSRF)", async () => {
    const http = await signedInAdmin();
    for (const origin of [null, "https://evil.example", "null"]) {
      const res = await http.request("/v1/admin/suppressions", {
        method: "POST",
        origin,
        body: JSON.stringify({ email: "csrf@example.test" }),
      });
      expect(res.status, String(origin)).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    }
    const rows = await testDb.db.query("SELECT 1 FROM suppressions WHERE email = 'csrf@example.test'");
    expect(rows.rowCount).toBe(0);
  });

  it("keeps a viewer read-only: GET allowed, every other method 403 FORBIDDEN", async () => {
    const viewer = await signedInViewer("vera@example.test");
    expect((await viewer.request("/v1/admin/suppressions")).status).toBe(200);
    expect((await viewer.request("/v1/admin/journeys")).status).toBe(200);
    const attempts: Array<[string, string, string | undefined]> = [
      ["POST", "/v1/admin/suppressions", JSON.stringify({ email: "viewer@example.test" })],
      ["DELETE", "/v1/admin/suppressions/someone%40example.test", undefined],
      ["POST", "/v1/admin/api-keys", JSON.stringify({ name: "sneaky", scope: "admin" })],
      ["PUT", "/v1/admin/contacts/u1", JSON.stringify({ properties: {} })],
      // A route that does not exist yet is refused before routing, so future routes are covered.
      ["PATCH", "/v1/admin/not-yet-a-route", "{}"],
    ];
    for (const [method, path, body] of attempts) {
      const res = await viewer.request(path, { method, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    }
    const keys = await testDb.db.query("SELECT 1 FROM api_keys WHERE name = 'sneaky'");
    expect(keys.rowCount).toBe(0);
  });

  it("still takes an admin API key, with no Origin needed", async () => {
    const get = await fetch(`${base}/v1/admin/suppressions`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(get.status).toBe(200);
    const post = await fetch(`${base}/v1/admin/suppressions`, {
      method: "POST",
      headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" },
      body: JSON.stringify({ email: "by-key@example.test" }),
    });
    expect(post.status).toBeLessThan(300);
    // A wrong key is 401 even with a valid session cookie beside it: a presented key decides alone.
    const http = await signedInAdmin();
    const wrong = await http.request("/v1/admin/suppressions", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    // Nothing at all: 401.
    expect((await fetch(`${base}/v1/admin/suppressions`)).status).toBe(401);
  });

  it("lets an admin manage users: create a viewer, re-role, ban (which ends their sessions)", async () => {
    const admin = await signedInAdmin();
    const created = await admin.request("/v1/auth/admin/create-user", {
      method: "POST",
      body: JSON.stringify({
        email: "vic@example.test",
        password: "vic-password-12",
        name: "Vic",
        role: "viewer",
      }),
    });
    expect(created.status).toBe(200);
    const vic = ((await created.json()) as { user: { id: string; role: string } }).user;
    expect(vic.role).toBe("viewer");
    const bogusRole = await admin.request("/v1/auth/admin/set-role", {
      method: "POST",
      body: JSON.stringify({ userId: vic.id, role: "owner" }),
    });
    expect(bogusRole.status).toBeGreaterThanOrEqual(400);
    expect(bogusRole.status).toBeLessThan(500);

    const vicHttp = studioHttp(base, ORIGIN);
    expect((await vicHttp.signIn("vic@example.test", "vic-password-12", freshIp())).status).toBe(200);
    const refused = await vicHttp.request("/v1/admin/suppressions", {
      method: "POST",
      body: JSON.stringify({ email: "vic-1@example.test" }),
    });
    expect(refused.status).toBe(403);

    const promoted = await admin.request("/v1/auth/admin/set-role", {
      method: "POST",
      body: JSON.stringify({ userId: vic.id, role: "admin" }),
    });
    expect(promoted.status).toBe(200);
    const allowed = await vicHttp.request("/v1/admin/suppressions", {
      method: "POST",
      body: JSON.stringify({ email: "vic-2@example.test" }),
    });
    expect(allowed.status).toBeLessThan(300);

    const list = await admin.request("/v1/auth/admin/list-users?limit=50");
    expect(list.status).toBe(200);
    const users = ((await list.json()) as { users: Array<{ email: string }> }).users.map((u) => u.email);
    expect(users).toEqual(expect.arrayContaining([ADMIN.email, "vic@example.test"]));

    const banned = await admin.request("/v1/auth/admin/ban-user", {
      method: "POST",
      body: JSON.stringify({ userId: vic.id, banReason: "left the team" }),
      ip: "198.51.100.250",
    });
    expect(banned.status).toBe(200);
    expect((await vicHttp.request("/v1/admin/suppressions")).status).toBe(401);
    const again = await studioHttp(base, ORIGIN).signIn("vic@example.test", "vic-password-12", freshIp());
    expect(again.status).toBe(403);

    // Every change is in the audit log, by the admin who made it, with before and after (never a password);
    // the refused re-role wrote nothing.
    const audit = await admin.request(`/v1/admin/audit-log?targetType=studio_user&targetId=${vic.id}`);
    expect(audit.status).toBe(200);
    const entries = (
      (await audit.json()) as {
        data: Array<{
          action: string;
          actor: { type: string; email?: string };
          before: Record<string, unknown> | null;
          after: Record<string, unknown> | null;
          ip: string | null;
        }>;
      }
    ).data;
    expect(entries.map((e) => e.action)).toEqual([
      "studio_user.banned",
      "studio_user.role_changed",
      "studio_user.created",
    ]);
    for (const entry of entries) expect(entry.actor).toMatchObject({ type: "user", email: ADMIN.email });
    expect(entries[1]?.before).toMatchObject({ role: "viewer" });
    expect(entries[1]?.after).toMatchObject({ role: "admin" });
    expect(entries[0]?.after).toMatchObject({ banned: true, banReason: "left the team" });
    expect(entries[2]?.after).toMatchObject({ email: "vic@example.test", role: "viewer" });
    expect(JSON.stringify(entries)).not.toContain("vic-password-12");
    expect(entries[0]?.ip).toBe("198.51.100.250");
  });

  it("rolls back a user change whose audit entry cannot be written, and a refused change writes no entry", async () => {
    const admin = await signedInAdmin();
    const before = await testDb.db.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE target_type = 'studio_user'",
    );
    const refused = await admin.request("/v1/auth/admin/create-user", {
      method: "POST",
      body: JSON.stringify({
        email: ADMIN.email,
        password: "whatever-password",
        name: "Dup",
        role: "viewer",
      }),
    });
    expect(refused.status).toBe(400);
    const junkId = await admin.request("/v1/auth/admin/set-role", {
      method: "POST",
      body: JSON.stringify({ userId: "not-a-uuid", role: "admin" }),
    });
    expect(junkId.status).toBe(400);
    const after = await testDb.db.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE target_type = 'studio_user'",
    );
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);

    // Same transaction: when the audit insert fails, the user Better Auth just created is gone too.
    await testDb.db.query(
      "ALTER TABLE audit_log ADD CONSTRAINT no_studio_users CHECK (target_type <> 'studio_user') NOT VALID",
    );
    try {
      const res = await admin.request("/v1/auth/admin/create-user", {
        method: "POST",
        body: JSON.stringify({
          email: "ghost@example.test",
          password: "ghost-password-1",
          name: "G",
          role: "viewer",
        }),
      });
      expect(res.status).toBe(500);
    } finally {
      await testDb.db.query("ALTER TABLE audit_log DROP CONSTRAINT no_studio_users");
    }
    const ghost = await testDb.db.query("SELECT 1 FROM studio_users WHERE email = 'ghost@example.test'");
    expect(ghost.rowCount).toBe(0);
    const ghostAccount = await testDb.db.query(
      "SELECT 1 FROM studio_accounts a LEFT JOIN studio_users u ON u.id = a.user_id WHERE u.id IS NULL",
    );
    expect(ghostAccount.rowCount).toBe(0);
  });
});

describe("audited user changes under load", () => {
  it("do not exhaust a small pool: each holds one connection, its rate-limit count included", async () => {
    const small = await createApp(
      loadConfig({
        NODE_ENV: "test",
        API_PUBLIC_URL: ORIGIN,
        HOGSEND_TRUSTED_PROXY_HEADER: "x-forwarded-for",
        HOGSEND_DB_POOL_SIZE: "2",
      }),
      { databaseUrl: testDb.url },
    );
    const smallServer = await startApiServer(small, 0);
    try {
      const http = studioHttp(`http://127.0.0.1:${smallServer.port}`, ORIGIN);
      expect((await http.signIn(ADMIN.email, ADMIN.password, freshIp())).status).toBe(200);
      const statuses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          http
            .request("/v1/auth/admin/create-user", {
              method: "POST",
              body: JSON.stringify({
                email: `load${i}@example.test`,
                password: "load-password-1",
                name: "L",
              }),
              ip: freshIp(),
            })
            .then((res) => res.status),
        ),
      );
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      await smallServer.close();
      await small.close();
    }
  }, 60_000);
});

describe("Better Auth's endpoints with hostile input from a signed-in admin", () => {
  it("answers 4xx, never 5xx, to junk queries and bodies on the admin endpoints", async () => {
    const admin = await signedInAdmin();
    const queries = [
      "searchValue=a%00b&searchField=email",
      "searchValue=%ED%A0%80",
      "sortBy=nope&sortDirection=sideways",
      "sortBy=password",
      "filterField=role&filterValue=%00&filterOperator=eq",
      "filterField=nope&filterValue=1",
      "filterField=createdAt&filterValue=not-a-date&filterOperator=gt",
      "limit=99999999999999999999&offset=-1",
      "limit=abc",
      "searchValue=%ff",
    ];
    const problems: string[] = [];
    const statuses: number[] = [];
    for (const query of queries) {
      const res = await admin.request(`/v1/auth/admin/list-users?${query}`);
      statuses.push(res.status);
      if (res.status >= 500) problems.push(`list-users?${query} -> ${res.status} ${await res.text()}`);
    }
    const bodies: Array<[string, unknown]> = [
      ["/v1/auth/admin/create-user", { email: "x@example.test", password: "p".repeat(200), name: "X" }],
      ["/v1/auth/admin/create-user", { email: "not an email", password: "password-123", name: "X" }],
      [
        "/v1/auth/admin/create-user",
        { email: "y@example.test", password: "password-123", name: "x".repeat(5000) },
      ],
      [
        "/v1/auth/admin/create-user",
        { email: "z@example.test", password: "password-123", name: "Z", role: ["admin", "x"] },
      ],
      [
        "/v1/auth/admin/create-user",
        { email: "w@example.test", password: "password-123", name: "W", data: { id: "x" } },
      ],
      ["/v1/auth/admin/set-role", { userId: "00000000-0000-4000-8000-000000000000", role: "admin" }],
      ["/v1/auth/admin/ban-user", { userId: "00000000-0000-4000-8000-000000000000", banExpiresIn: -5 }],
      ["/v1/auth/admin/ban-user", { userId: "00000000-0000-4000-8000-000000000000", banExpiresIn: 1e308 }],
      ["/v1/auth/admin/update-user", { userId: "00000000-0000-4000-8000-000000000000", data: { email: 5 } }],
      [
        "/v1/auth/admin/set-user-password",
        { userId: "00000000-0000-4000-8000-000000000000", newPassword: "x" },
      ],
      ["/v1/auth/admin/revoke-user-session", { sessionToken: "nope" }],
      ["/v1/auth/sign-in/email", { email: "a@b.c", password: "p", callbackURL: "https://evil.example/" }],
    ];
    for (const [path, body] of bodies) {
      const res = await admin.request(path, { method: "POST", body: JSON.stringify(body), ip: freshIp() });
      statuses.push(res.status);
      if (res.status >= 500)
        problems.push(`${path} ${JSON.stringify(body).slice(0, 80)} -> ${res.status} ${await res.text()}`);
    }
    expect(problems).toEqual([]);
    // The refusals are Better Auth's or the guard's 4xx (bad email, overlong password, unknown user…), not a 401
    // for a lost session.
    expect(statuses.filter((status) => status >= 400 && status < 500).length).toBeGreaterThan(8);
    expect(statuses).not.toContain(401);
  });
});

describe("the first admin", () => {
  it("is minted once into an empty table, even by two processes booting at once, and never overwritten", async () => {
    const empty = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: "test", STUDIO_ADMIN_EMAIL: "First@Example.test" });
    const logged: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(line) });
    const apps = await Promise.all([1, 2].map(() => createApp(config, { databaseUrl: empty.url, logger })));
    try {
      const results = await Promise.all(apps.map((a) => mintFirstStudioAdmin(a)));
      expect(results.filter((r) => r?.created)).toHaveLength(1);
      const winner = results.find((r) => r?.created);
      expect(winner?.email).toBe("first@example.test");
      expect(winner?.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      // The generated password is logged once, by the process that minted it; the other logs nothing about it.
      const mentions = logged.filter((line) => line.includes(winner!.password!));
      expect(mentions).toHaveLength(1);
      expect(JSON.parse(mentions[0]!)).toMatchObject({ level: 40, email: "first@example.test" });
      const users = await empty.db.query<{ email: string; role: string }>(
        "SELECT email, role FROM studio_users",
      );
      expect(users.rows).toEqual([{ email: "first@example.test", role: "admin" }]);

      // A later boot with another address changes nothing: the table is not empty.
      const other = await createApp(
        loadConfig({ NODE_ENV: "test", STUDIO_ADMIN_EMAIL: "second@example.test" }),
        {
          databaseUrl: empty.url,
        },
      );
      try {
        expect(await mintFirstStudioAdmin(other)).toMatchObject({ created: false });
      } finally {
        await other.close();
      }
      expect((await empty.db.query("SELECT 1 FROM studio_users")).rowCount).toBe(1);

      // The generated password works.
      const server2 = await startApiServer(apps[0]!, 0);
      try {
        const http = studioHttp(`http://127.0.0.1:${server2.port}`, "http://localhost:3002");
        expect((await http.signIn("first@example.test", winner!.password!)).status).toBe(200);
      } finally {
        await server2.close();
      }
    } finally {
      await Promise.all(apps.map((a) => a.close()));
      await empty.drop();
    }
  }, 60_000);
});

describe("production settings", () => {
  it("requires BETTER_AUTH_SECRET in production, with a clear error", () => {
    expect(() =>
      loadConfig({
        NODE_ENV: "production",
        DATABASE_URL: "postgres://x@localhost/x",
        API_PUBLIC_URL: "https://hogsend.example",
        EMAIL_PROVIDER: "smtp",
        SMTP_URL: "smtp://localhost",
        EMAIL_FROM: "a@b.c",
      }),
    ).toThrow(/BETTER_AUTH_SECRET is required in production/);
  });

  it("marks the session cookie Secure (and __Secure-) in production", async () => {
    const config = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: testDb.url,
      BETTER_AUTH_SECRET: "p".repeat(40),
      API_PUBLIC_URL: "https://hogsend.example",
      EMAIL_PROVIDER: "smtp",
      SMTP_URL: "smtp://localhost",
      EMAIL_FROM: "a@b.c",
      LOG_LEVEL: "silent",
    });
    const prod = await createApp(config);
    const prodServer = await startApiServer(prod, 0);
    try {
      const res = await fetch(`http://127.0.0.1:${prodServer.port}/v1/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://hogsend.example" },
        body: JSON.stringify(ADMIN),
      });
      expect(res.status).toBe(200);
      const cookie = res.headers.getSetCookie().find((c) => c.includes("hogsend.session_token="));
      expect(cookie).toMatch(/^__Secure-hogsend\.session_token=/);
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    } finally {
      await prodServer.close();
      await prod.close();
    }
  });
});
