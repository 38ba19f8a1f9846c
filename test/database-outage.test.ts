import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertSchemaCurrent, createApp, startMetrics } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createDatabase, type Database, isConnectionError } from "../src/db/database.js";
import { registerDatabaseMetrics } from "../src/db/database-metrics.js";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { startListenConnection } from "../src/db/listen-connection.js";
import { migrate } from "../src/db/migrate.js";
import { freePort } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * How one process lives through a lost database: a connection killed while a transaction holds it (the crash
 * that pg-pool's own listeners leave open), an outage logged once and its end once, metrics that say so, a
 * LISTEN connection that comes back and re-LISTENs, and a process started while Postgres is down waiting for it.
 */
let testDb: TestDatabase;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function memoryLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

async function terminate(applicationName: string): Promise<number> {
  const result = await testDb.db.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database()`,
    [applicationName],
  );
  return result.rowCount ?? 0;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(25);
  }
}

describe("a connection lost while a transaction holds it", () => {
  let db: Database;
  const { logger, lines } = memoryLogger();
  beforeAll(() => {
    db = createDatabase(testDb.url, { applicationName: "outage-tx", logger, max: 3 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it("rejects that transaction, keeps the process alive, and logs the outage and its end once each", async () => {
    const registry = new Registry();
    registerDatabaseMetrics(registry, db);
    // Between statements the client is checked out and idle: the server's termination message arrives with no
    // query to fail, so it surfaces as the client's 'error' event, which pg-pool does not listen to then.
    const held = db.transaction(async (tx) => {
      await tx.query("SELECT 1");
      expect(await terminate("outage-tx")).toBeGreaterThan(0);
      await sleep(300);
      await tx.query("SELECT 2");
    });
    const error = await held.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isConnectionError(error), String(error)).toBe(true);
    expect(db.availability.snapshot().up).toBe(false);
    expect(await registry.getSingleMetricAsString("hogsend_database_up")).toMatch(/hogsend_database_up 0/);

    // The pool dropped the broken client: the next work gets a new connection and succeeds.
    expect((await db.query<{ n: number }>("SELECT 3 AS n")).rows[0]?.n).toBe(3);
    await until(() => db.availability.snapshot().up);
    expect(await registry.getSingleMetricAsString("hogsend_database_up")).toMatch(/hogsend_database_up 1/);
    expect(await registry.getSingleMetricAsString("hogsend_database_outages_total")).toMatch(/ 1$/m);

    const lost = lines.filter((l) => l.msg.startsWith("database connection lost"));
    const back = lines.filter((l) => l.msg.startsWith("database reachable again"));
    expect(lost).toHaveLength(1);
    expect(back).toHaveLength(1);
  });

  it("a connection killed under a running statement fails only that statement", async () => {
    const running = db.query("SELECT pg_sleep(5)").then(
      () => undefined,
      (e: unknown) => e,
    );
    await until(async () => (await terminate("outage-tx")) > 0, 5_000);
    expect(isConnectionError(await running)).toBe(true);
    expect((await db.query<{ n: number }>("SELECT 4 AS n")).rows[0]?.n).toBe(4);
  });
});

describe("the LISTEN connection", () => {
  it("reconnects after its backend is terminated, re-LISTENs, and asks its owner to sweep", async () => {
    const { logger, lines } = memoryLogger();
    const received: string[] = [];
    let reconnects = 0;
    const listener = startListenConnection({
      url: testDb.url,
      channels: ["outage_test"],
      logger,
      applicationName: "outage-listen",
      retryMinMs: 50,
      onNotification: (_channel, payload) => received.push(payload ?? ""),
      onReconnect: () => reconnects++,
    });
    try {
      await until(() => listener.connected);
      expect(reconnects).toBe(1);
      await testDb.db.query("SELECT pg_notify('outage_test', 'before')");
      await until(() => received.includes("before"));

      expect(await terminate("outage-listen")).toBe(1);
      await until(() => reconnects === 2);
      await testDb.db.query("SELECT pg_notify('outage_test', 'after')");
      await until(() => received.includes("after"));
      expect(lines.some((l) => l.msg.startsWith("LISTEN connection lost"))).toBe(true);
      expect(lines.some((l) => l.msg.startsWith("LISTEN connection re-established"))).toBe(true);
    } finally {
      await listener.close();
    }
  });
});

describe("a process started while Postgres refuses connections", () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("waits for it instead of exiting, logs that once, and starts when it is back", async () => {
    const port = await freePort();
    dataDir = await mkdtemp(path.join(os.tmpdir(), "hogsend-outage-"));
    const pgDir = path.join(dataDir, "pg");
    // A migrated cluster that is down when the process starts (a restart or failover during a deploy): once it
    // is back, database and schema are there at once, as they are in production.
    const prepared = await startEmbeddedPostgres({ dataDir: pgDir, port });
    await migrate(prepared.url);
    await prepared.stop();
    const url = prepared.url;
    const { logger, lines } = memoryLogger();
    const app = await createApp(loadConfig({ NODE_ENV: "test" }), { databaseUrl: url, logger });
    let postgres: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
    try {
      let settled = false;
      const booting = assertSchemaCurrent(app).finally(() => {
        settled = true;
      });
      await sleep(1_500);
      expect(settled).toBe(false);
      expect(lines.filter((l) => l.msg.startsWith("database connection lost"))).toHaveLength(1);

      postgres = await startEmbeddedPostgres({ dataDir: pgDir, port });
      expect(postgres.url).toBe(url);
      await booting;
      await until(() => app.db.availability.snapshot().up);
      expect(lines.filter((l) => l.msg.startsWith("database reachable again"))).toHaveLength(1);
    } finally {
      await app.close();
      await postgres?.stop();
    }
  }, 60_000);
});

describe("GET /metrics on HOGSEND_METRICS_PORT", () => {
  it("serves Prometheus text with the database and process metrics, and nothing else", async () => {
    const app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_METRICS_PORT: "0" }), {
      databaseUrl: testDb.url,
    });
    const server = await startMetrics(app);
    try {
      expect(server).toBeDefined();
      await app.db.query("SELECT 1");
      const res = await fetch(`http://127.0.0.1:${server?.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toMatch(/^hogsend_database_up 1$/m);
      expect(text).toMatch(/^hogsend_database_outage_seconds 0$/m);
      expect(text).toMatch(/^hogsend_db_pool_connections\{state="in_use"\} \d+$/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      expect((await fetch(`http://127.0.0.1:${server?.port}/other`)).status).toBe(404);
    } finally {
      await server?.close();
      await app.close();
    }
  });

  it("is off unless configured", async () => {
    const app = await createApp(loadConfig({ NODE_ENV: "test" }), { databaseUrl: testDb.url });
    try {
      expect(await startMetrics(app)).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
