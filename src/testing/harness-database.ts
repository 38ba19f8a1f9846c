import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../db/embedded-postgres.js";
import { migrate, readMigrations } from "../db/migrate.js";
import { freePort } from "../lib/free-port.js";

/**
 * Databases for harnesses given no `databaseUrl`: one embedded Postgres per machine and user, started by the first
 * harness that needs it and left running for the next test run (so a rerun starts in milliseconds), and one fresh
 * database per harness, cloned from a migrated template and dropped on `close()`.
 *
 * Several test processes may start at once: a lock directory makes one of them start the cluster while the others
 * wait and then connect. A cluster that stopped (a reboot, `kill`) is started again from its data directory.
 */
export interface HarnessDatabase {
  url: string;
  drop(): Promise<void>;
}

const USER_ID = typeof process.getuid === "function" ? process.getuid() : 0;

/** Where the shared harness cluster lives unless the harness is given `dataDir`. */
export function defaultHarnessDataDir(): string {
  return path.join(os.tmpdir(), `hogsend-harness-${USER_ID}`);
}

export async function createHarnessDatabase(dataDir = defaultHarnessDataDir()): Promise<HarnessDatabase> {
  const adminUrl = await ensureCluster(path.resolve(dataDir));
  const template = await ensureTemplate(adminUrl, dataDir);
  const name = `hogsend_harness_${randomBytes(6).toString("hex")}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return {
    url: withDatabase(adminUrl, name),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {}),
  };
}

async function ensureCluster(dir: string): Promise<string> {
  const stateFile = path.join(dir, "cluster.json");
  const reachable = async () => {
    try {
      const { url } = JSON.parse(await readFile(stateFile, "utf8")) as { url: string };
      await adminQuery(url, "SELECT 1");
      return url;
    } catch {
      return undefined;
    }
  };
  const existing = await reachable();
  if (existing) return existing;
  return withLock(dir, async () => {
    const again = await reachable();
    if (again) return again;
    const handle = await startEmbeddedPostgres({
      dataDir: path.join(dir, "data"),
      port: await freePort(),
      database: "postgres",
      // Left running when this process exits: the next harness (this run or the next) reuses it.
      detach: true,
    });
    const url = handle.urlFor("postgres");
    await writeFile(stateFile, JSON.stringify({ url }));
    return url;
  });
}

/** A migrated template per set of migrations, so a schema change gets a new template instead of a stale one. */
async function ensureTemplate(adminUrl: string, dir: string): Promise<string> {
  const migrations = await readMigrations();
  const fingerprint = migrations.map((m) => `${m.name}:${m.checksum}`).join(",");
  let hash = 0;
  for (const char of fingerprint) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const name = `hogsend_harness_template_${migrations.length}_${hash.toString(16)}`;
  const exists = async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate", [
        name,
      ]);
      return (found.rowCount ?? 0) > 0;
    } finally {
      await client.end();
    }
  };
  if (await exists()) return name;
  await withLock(path.resolve(dir), async () => {
    if (await exists()) return;
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
    await migrate(withDatabase(adminUrl, name));
    await adminQuery(adminUrl, `ALTER DATABASE ${name} WITH is_template true`);
  });
  return name;
}

/** Runs `work` holding `dir/lock` (a directory: mkdir is atomic); a lock older than two minutes is stale. */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lock = path.join(dir, "lock");
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 120_000) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`harness: timed out waiting for ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
