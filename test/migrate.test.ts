import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationStatus, readMigrations } from "../src/db/migrate.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

let dir: string;
let empty: TestDatabase;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "hogsend-migrations-"));
  empty = await createTestDatabase({ migrated: false });
});

afterAll(async () => {
  await empty?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("migrate", () => {
  it("applies files in order, each in its own transaction, and stops at a failing one", async () => {
    await writeFile(path.join(dir, "0001_first.sql"), "CREATE TABLE first_table (id int);");
    await writeFile(
      path.join(dir, "0002_broken.sql"),
      "CREATE TABLE half_done (id int);\nSELECT no_such_function();",
    );
    await writeFile(path.join(dir, "0003_after.sql"), "CREATE TABLE after_table (id int);");

    await expect(migrate(empty.url, { dir })).rejects.toThrow(
      /Migration 0002_broken failed: .*no_such_function/,
    );
    const tables = await empty.db.query<{ t: string | null }>(
      "SELECT to_regclass('first_table')::text AS t UNION ALL SELECT to_regclass('half_done')::text UNION ALL SELECT to_regclass('after_table')::text",
    );
    expect(tables.rows.map((r) => r.t)).toEqual(["first_table", null, null]);
    expect(await migrationStatus(empty.db, dir)).toEqual({
      applied: ["0001_first"],
      pending: ["0002_broken", "0003_after"],
    });

    await writeFile(path.join(dir, "0002_broken.sql"), "CREATE TABLE half_done (id int);");
    expect(await migrate(empty.url, { dir })).toEqual({ applied: ["0002_broken", "0003_after"] });
    expect((await migrationStatus(empty.db, dir)).pending).toEqual([]);
  });

  it("rejects badly named and duplicate-numbered files", async () => {
    const bad = await mkdtemp(path.join(os.tmpdir(), "hogsend-migrations-bad-"));
    try {
      await writeFile(path.join(bad, "1_first.sql"), "SELECT 1;");
      await expect(readMigrations(bad)).rejects.toThrow(/not named NNNN_name.sql/);
      await rm(path.join(bad, "1_first.sql"));
      await writeFile(path.join(bad, "0001_a.sql"), "SELECT 1;");
      await writeFile(path.join(bad, "0001_b.sql"), "SELECT 1;");
      await expect(readMigrations(bad)).rejects.toThrow(/share version 1/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it("ships migrations that apply cleanly to an empty database", async () => {
    const fresh = await createTestDatabase({ migrated: false });
    try {
      const shipped = await readMigrations();
      expect((await migrate(fresh.url)).applied).toEqual(shipped.map((m) => m.name));
      expect((await migrationStatus(fresh.db)).pending).toEqual([]);
    } finally {
      await fresh.drop();
    }
  });
});
