import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readMigrations } from "../src/db/migrate.js";
import { freePort, runCli, startCli, waitForHealthy } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// These tests start real `hogsend` processes (tsx compile, embedded Postgres); on a loaded 2-core CI machine
// that takes far longer than an in-process test, so they get more time than the suite default.
vi.setConfig({ testTimeout: 120_000 });

let empty: TestDatabase;

beforeAll(async () => {
  empty = await createTestDatabase({ migrated: false });
});

afterAll(async () => {
  await empty?.drop();
});

describe("run modes against an external database", () => {
  it("api and worker refuse an unmigrated schema, naming the pending migrations", async () => {
    const migrations = await readMigrations();
    for (const mode of ["api", "worker"]) {
      const result = await runCli([mode], { DATABASE_URL: empty.url, PORT: String(await freePort()) });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain("pending migration");
      for (const migration of migrations) expect(result.stderr).toContain(migration.name);
    }
  });

  it("two concurrent migrate runs both succeed and apply each file once; then api serves healthy", async () => {
    const [first, second] = await Promise.all([
      runCli(["migrate"], { DATABASE_URL: empty.url }),
      runCli(["migrate"], { DATABASE_URL: empty.url }),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const migrations = await readMigrations();
    const rows = await empty.db.query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    expect(rows.rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    // Exactly one of the two runs applied the files; the other found the schema current.
    const outputs = [first.stdout, second.stdout];
    expect(outputs.filter((o) => o.includes(`Applied ${migrations.length} migration(s)`))).toHaveLength(1);
    expect(outputs.filter((o) => o.includes("Schema is current"))).toHaveLength(1);

    const again = await runCli(["migrate"], { DATABASE_URL: empty.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Schema is current");

    const port = await freePort();
    const api = startCli(["api"], { DATABASE_URL: empty.url, PORT: String(port) });
    try {
      const health = await waitForHealthy(`http://127.0.0.1:${port}/v1/health`);
      expect(health.status).toBe("healthy");
    } finally {
      api.child.kill("SIGTERM");
    }
    expect((await api.exited).code).toBe(0);
  });

  it("worker drains and exits 0 on SIGTERM", async () => {
    const worker = startCli(["worker"], { DATABASE_URL: empty.url, LOG_LEVEL: "info" });
    const deadline = Date.now() + 30_000;
    while (!worker.output().includes("worker running") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(worker.output()).toContain("worker running");
    worker.child.kill("SIGTERM");
    const { code } = await worker.exited;
    expect(code, worker.output()).toBe(0);
    expect(worker.output()).toContain("worker draining");
  });

  it("creates, lists and revokes API keys from the CLI, printing the key once", async () => {
    const env = { DATABASE_URL: empty.url };
    const created = await runCli(["keys", "create", "--name", "ci-ingest", "--scope", "ingest"], env);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.match(/hs_ingest_[A-Za-z0-9_-]+/)?.[0];
    expect(key).toBeDefined();
    const listed = await runCli(["keys", "list"], env);
    expect(listed.stdout).toContain("ci-ingest");
    expect(listed.stdout).not.toContain(key);
    const prefix = key!.slice(0, 14);
    const revoked = await runCli(["keys", "revoke", prefix], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const again = await runCli(["keys", "revoke", prefix], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("No active API key");
    const badScope = await runCli(["keys", "create", "--name", "x", "--scope", "root"], env);
    expect(badScope.code).not.toBe(0);
    expect(badScope.stderr).toContain("root");
  });
});

describe("the CLI", () => {
  it("has --help on every command", async () => {
    for (const args of [[], ["migrate"], ["api"], ["worker"], ["dev"], ["keys"], ["keys", "create"]]) {
      const result = await runCli([...args, "--help"], {});
      expect(result.code, args.join(" ")).toBe(0);
      expect(result.stdout).toContain("Usage: hogsend");
    }
  });

  it("fails fast with one readable message on bad configuration", async () => {
    const result = await runCli(["migrate"], { PORT: "eighty", DATABASE_URL: "mysql://nope" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Invalid configuration");
    expect(result.stderr).toContain("PORT");
    expect(result.stderr).toContain("DATABASE_URL");
    expect(result.stderr).not.toContain("    at ");
  });
});
