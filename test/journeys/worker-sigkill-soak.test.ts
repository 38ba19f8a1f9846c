import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents } from "../../src/events/event-store.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const WORKER = fileURLToPath(new URL("../fixtures/soak-worker.ts", import.meta.url));
const RUNS = 2_000;
const CHAOS_MS = 25_000;

let database: TestDatabase;
const children = new Set<ChildProcess>();

interface Worker {
  child: ChildProcess;
  ready: Promise<boolean>;
}

function startWorker(): Worker {
  const child = spawn(process.execPath, ["--conditions=hogsend-source", "--import", "tsx", WORKER], {
    env: {
      ...process.env,
      NODE_ENV: "test",
      LOG_LEVEL: "error",
      DATABASE_URL: database.url,
      HOGSEND_LEASE_SECONDS: "2",
      HOGSEND_POLL_INTERVAL_MS: "200",
      HOGSEND_WORKER_CONCURRENCY: "40",
      HOGSEND_DB_POOL_SIZE: "6",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const ready = new Promise<boolean>((resolve) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(true);
    });
    child.once("exit", () => resolve(false));
  });
  return { child, ready };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function count(sql: string): Promise<number> {
  const result = await database.db.query<{ n: number }>(sql);
  return result.rows[0]?.n ?? 0;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.query(
    "CREATE TABLE soak_effects (id bigserial PRIMARY KEY, run_id uuid NOT NULL, position int NOT NULL)",
  );
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await database?.drop();
});

describe("SIGKILL soak: real worker processes killed at random moments", () => {
  it("ends every run exactly once, repeats no effect, loses none", async () => {
    const t0 = new Date();
    const events = Array.from({ length: RUNS }, (_, i) => ({
      messageId: `soak-${i}`,
      event: "soak.start",
      userId: `user-${i}`,
      userEmail: `user-${i}@example.com`,
      occurredAt: t0,
    }));
    for (let i = 0; i < events.length; i += 500) await insertEvents(database.db, events.slice(i, i + 500));

    const workers = [startWorker(), startWorker(), startWorker()];
    await Promise.all(workers.map((w) => w.ready));
    let kills = 0;
    const chaosEnd = Date.now() + CHAOS_MS;
    while (Date.now() < chaosEnd) {
      await sleep(300 + Math.random() * 1_500);
      const index = Math.floor(Math.random() * workers.length);
      workers[index]?.child.kill("SIGKILL");
      kills++;
      // Not waiting for the replacement to be ready: kills also land on workers that are still starting.
      workers[index] = startWorker();
    }
    await Promise.all(workers.map((w) => w.ready));

    const deadline = Date.now() + 45_000;
    // Done means every run completed and the events the last runs fired (journey:completed, soak.done) have been
    // routed too; stopping at the first would race the router and leave those queued.
    while (Date.now() < deadline) {
      const completed = await count("SELECT count(*)::int AS n FROM journey_runs WHERE status = 'completed'");
      if (completed >= RUNS && (await count("SELECT count(*)::int AS n FROM event_routing_queue")) === 0)
        break;
      await sleep(500);
    }
    await Promise.all(
      workers.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );

    const runs = await database.db.query<{ status: string; n: number; users: number }>(
      "SELECT status, count(*)::int AS n, count(DISTINCT user_id)::int AS users FROM journey_runs GROUP BY status",
    );
    expect(runs.rows).toEqual([{ status: "completed", n: RUNS, users: RUNS }]);
    const effects = await database.db.query<{ rows: number; distinct_keys: number; runs: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT (run_id, position))::int AS distinct_keys,
              count(DISTINCT run_id)::int AS runs FROM soak_effects`,
    );
    expect(effects.rows[0]).toEqual({ rows: RUNS * 2, distinct_keys: RUNS * 2, runs: RUNS });
    const fired = await database.db.query<{ event: string; n: number }>(
      `SELECT event, count(*)::int AS n FROM events WHERE event IN ('soak.triggered', 'soak.done', 'journey:completed')
        GROUP BY event ORDER BY event`,
    );
    expect(fired.rows).toEqual([
      { event: "journey:completed", n: RUNS },
      { event: "soak.done", n: RUNS },
      { event: "soak.triggered", n: RUNS },
    ]);
    // Every journal has the same shape: nothing skipped, nothing recorded twice.
    const shapes = await database.db.query<{ shape: string }>(
      `SELECT DISTINCT string_agg(kind || ':' || label, ',' ORDER BY position) AS shape
         FROM journey_journal GROUP BY run_id`,
    );
    expect(shapes.rows).toEqual([
      {
        shape:
          "checkpoint:begin,soak-effect:first,step:pick,trigger:soak.triggered,sleep:nap,soak-effect:second,trigger:soak.done",
      },
    ]);
    expect(await count("SELECT count(*)::int AS n FROM event_routing_queue")).toBe(0);
    expect(kills).toBeGreaterThan(8);
  }, 150_000);
});
