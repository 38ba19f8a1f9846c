import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

let testDb: TestDatabase;
let dir: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), "hogsend-contacts-cli-"));
});

afterAll(async () => {
  await testDb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("hogsend contacts import/export", () => {
  it("imports a file with bad rows reported by line, then exports what was stored", async () => {
    const file = path.join(dir, "people.csv");
    await writeFile(file, "userId,email,plan\ncli-1,a@example.com,pro\ncli-2,broken,pro\ncli-3,,free\n");
    const imported = await runCli(["contacts", "import", file], { DATABASE_URL: testDb.url });
    expect(imported.stderr).toContain("line 3: email must be an email address");
    expect(imported.stdout).toContain("Imported 2 contact row(s) from 3 row(s); 1 bad row(s) skipped.");
    expect(imported.code).toBe(0);

    const out = path.join(dir, "out.ndjson");
    const exported = await runCli(["contacts", "export", "--out", out], { DATABASE_URL: testDb.url });
    expect(exported.code, exported.stderr).toBe(0);
    const rows = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows.map((r) => [r.userId, r.email, r.properties])).toEqual([
      ["cli-1", "a@example.com", { plan: "pro" }],
      ["cli-3", null, { plan: "free" }],
    ]);

    const csv = await runCli(["contacts", "export", "--format", "csv"], { DATABASE_URL: testDb.url });
    expect(csv.stdout.split("\n")[1]).toMatch(/^cli-1,a@example.com,true,/);
    // Each CLI start compiles TypeScript through tsx, which takes seconds on a loaded 2-core machine.
  }, 150_000);

  it("refuses a file whose format it cannot tell", async () => {
    const file = path.join(dir, "people.txt");
    await writeFile(file, "userId\nx\n");
    const result = await runCli(["contacts", "import", file], { DATABASE_URL: testDb.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--format");
  }, 60_000);
});
