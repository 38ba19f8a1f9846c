import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createDatabase, type Database } from "../../src/db/database.js";

export interface TestDatabase {
  url: string;
  name: string;
  db: Database;
  /** Drops the database (closing the pool first). */
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Admin URL of the test cluster, for tests that need to create their own (e.g. unmigrated) databases. */
export function testAdminUrl(): string {
  return inject("testAdminUrl");
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testAdminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, isolated database for one test file. `migrated: true` (default) clones the migrated template;
 * `migrated: false` gives an empty database.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `hs_test_${randomBytes(6).toString("hex")}`;
  const template = options.migrated === false ? "template0" : inject("testTemplateDatabase");
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(testAdminUrl(), name);
  const db = createDatabase(url, { max: 10 });
  return {
    url,
    name,
    db,
    async drop() {
      await db.close().catch(() => {});
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
