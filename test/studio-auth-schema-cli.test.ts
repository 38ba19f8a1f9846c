import { getMigrations } from "better-auth/db/migration";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, assertSchemaCurrent, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { runCli } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

let testDb: TestDatabase;
let app: App;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: "test" }), { databaseUrl: testDb.url });
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

describe("Better Auth's tables", () => {
  it("are exactly what Better Auth's getMigrations wants (migrations/0060 would need no change)", async () => {
    const migrations = await getMigrations(app.studioAuth().options);
    const compiled = await migrations.compileMigrations();
    expect(
      { toBeCreated: migrations.toBeCreated, toBeAdded: migrations.toBeAdded },
      `Better Auth wants schema changes; add a migration with:\n${compiled}`,
    ).toEqual({ toBeCreated: [], toBeAdded: [] });
  });

  it("are part of the schema check: an api refuses to start without them", async () => {
    const empty = await createTestDatabase({ migrated: false });
    const other = await createApp(loadConfig({ NODE_ENV: "test" }), { databaseUrl: empty.url });
    try {
      await expect(assertSchemaCurrent(other)).rejects.toThrow(/0060_studio_auth/);
      const fresh = await getMigrations(other.studioAuth().options);
      expect(fresh.toBeCreated.map((t) => t.table).sort()).toEqual(
        ["studio_accounts", "studio_sessions", "studio_users", "studio_verifications"].sort(),
      );
    } finally {
      await other.close();
      await empty.drop();
    }
  });
});

describe("hogsend studio admin create", () => {
  const env = () => ({ DATABASE_URL: testDb.url });

  it("creates a user with a generated password printed once, audited as the CLI, that can sign in", async () => {
    const result = await runCli(
      ["studio", "admin", "create", "--email", "Ops@Example.test", "--role", "viewer"],
      env(),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Created Studio viewer ops@example\.test \(id [0-9a-f-]{36}\)$/m);
    const password = /Password \(shown once\): (\S+)/.exec(result.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const rows = await testDb.db.query<{ role: string }>("SELECT role FROM studio_users WHERE email = $1", [
      "ops@example.test",
    ]);
    expect(rows.rows).toEqual([{ role: "viewer" }]);
    const audit = await testDb.db.query<{ actor_type: string; actor_id: string; action: string }>(
      "SELECT actor_type, actor_id, action FROM audit_log WHERE target_type = 'studio_user'",
    );
    expect(audit.rows).toEqual([
      { actor_type: "system", actor_id: "system:cli", action: "studio_user.created" },
    ]);
    const signedIn = await app
      .studioAuth()
      .api.signInEmail({ body: { email: "ops@example.test", password: password! } });
    expect(signedIn.user.email).toBe("ops@example.test");
  }, 60_000);

  it("takes a given password, defaults to admin, and refuses a taken address, a bad role or a short password", async () => {
    const ok = await runCli(
      ["studio", "admin", "create", "--email", "boss@example.test", "--password", "boss-password-1"],
      env(),
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Created Studio admin boss@example.test");
    expect(ok.stdout).not.toContain("Password");
    const signedIn = await app.studioAuth().api.signInEmail({
      body: { email: "boss@example.test", password: "boss-password-1" },
    });
    expect(signedIn.user.email).toBe("boss@example.test");

    const taken = await runCli(
      ["studio", "admin", "create", "--email", "boss@example.test", "--password", "other-password-1"],
      env(),
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^hogsend: Cannot create Studio user boss@example\.test: .*exist/im);

    const role = await runCli(
      ["studio", "admin", "create", "--email", "r@example.test", "--role", "owner"],
      env(),
    );
    expect(role.code).not.toBe(0);
    expect(role.stderr).toMatch(/owner.*Allowed choices are admin, viewer/s);

    const short = await runCli(
      ["studio", "admin", "create", "--email", "s@example.test", "--password", "short"],
      env(),
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("--password must be 10 to 128 characters");
    const count = await testDb.db.query(
      "SELECT 1 FROM studio_users WHERE email IN ('r@example.test', 's@example.test')",
    );
    expect(count.rowCount).toBe(0);
  }, 90_000);
});
