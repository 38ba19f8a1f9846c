import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Logger } from "../lib/logger.js";
import type { Database } from "./database.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Any fixed 64-bit key; every Hogsend process migrating one database takes the same lock.
const MIGRATION_LOCK_KEY = 7_261_030_411;

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (!match)
      throw new HogsendError(ErrorCodes.INTERNAL, `Migration file ${file} is not named NNNN_name.sql`);
    const sql = await readFile(path.join(dir, file), "utf8");
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new HogsendError(ErrorCodes.INTERNAL, `Two migration files share version ${version}`);
    }
    migrations.push({ version, name: file.replace(/\.sql$/, ""), sql, checksum: sha256(sql) });
  }
  return migrations;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/** What the database has applied versus what this build ships. Read-only: no lock, no table creation. */
export async function migrationStatus(
  db: Pick<Database, "query">,
  dir = MIGRATIONS_DIR,
): Promise<MigrationStatus> {
  const migrations = await readMigrations(dir);
  const exists = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  const appliedVersions = new Set<number>();
  if (exists.rows[0]?.present) {
    const rows = await db.query<{ version: number }>("SELECT version FROM schema_migrations");
    for (const row of rows.rows) appliedVersions.add(row.version);
  }
  return {
    applied: migrations.filter((m) => appliedVersions.has(m.version)).map((m) => m.name),
    pending: migrations.filter((m) => !appliedVersions.has(m.version)).map((m) => m.name),
  };
}

/**
 * Applies every pending migration in order, each in its own transaction, under a session advisory lock so
 * that two processes migrating at once serialise: the second waits, then finds nothing left to do.
 */
export async function migrate(
  databaseUrl: string,
  options: { dir?: string; logger?: Logger } = {},
): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(options.dir);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "hogsend-migrate" });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await client.query(CREATE_TABLE);
      const rows = await client.query<{ version: number; checksum: string; name: string }>(
        "SELECT version, checksum, name FROM schema_migrations",
      );
      const done = new Map(rows.rows.map((row) => [row.version, row]));
      for (const migration of migrations) {
        const previous = done.get(migration.version);
        if (previous) {
          if (previous.checksum !== migration.checksum) {
            options.logger?.warn(
              { migration: migration.name },
              "an applied migration file has changed since it ran; migrations are forward-only, add a new file instead",
            );
          }
          continue;
        }
        options.logger?.info({ migration: migration.name }, "applying migration");
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
            migration.version,
            migration.name,
            migration.checksum,
          ]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          throw new HogsendError(
            ErrorCodes.INTERNAL,
            `Migration ${migration.name} failed: ${(error as Error).message}`,
            { cause: error },
          );
        }
        applied.push(migration.name);
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
  return { applied };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
