/**
 * `npm run bench:journeys [-- --runs N --sleeping 0,100000,1000000 --due N --exits N --engine hatchet]`
 *
 * The durable runtime on one Postgres (embedded in a temp dir, or DATABASE_URL when set), with real worker
 * processes (`bench/journeys-worker.ts`). Baseline, measured in the same run on the same Postgres: single-row
 * autocommit INSERTs from 8 connections (the per-commit ceiling every durable step pays). Then:
 *  (a) runs/s through a short journey (enroll, checkpoint, 1 s sleep, complete) with 1 and 2 workers;
 *  (b) worker RSS and Postgres bytes per run with N sleeping runs (bulk-inserted with SQL);
 *  (c) wake lag p50/p99 when N runs come due at once (2 workers);
 *  (d) exit latency p50/p99 from the exit event's acceptance to the run's end (2 workers).
 * Every loop is bounded in count and time. `--only c,d` runs some of the parts (the baseline always runs).
 *
 * `--engine hatchet` runs every part on both engines, side by side: the Postgres engine, then Hatchet (a local
 * hatchet-lite on the same Postgres server, its own database; `npm run hatchet:build` builds it). Runs are put to
 * sleep through the engine itself (inserted due now, with a sleep in their journal, so each engine parks them its own
 * way: a due_at row, or a waiting Hatchet durable task).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "../src/db/database.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { insertEvents } from "../src/events/event-store.js";
import { createHatchetClient } from "../src/journeys/hatchet/create-hatchet-client.js";
import type { HatchetSettings } from "../src/journeys/hatchet/hatchet-settings.js";
import {
  HATCHET_ENGINE_VERSION,
  type LocalHatchet,
  startLocalHatchet,
} from "../src/journeys/hatchet/local-hatchet.js";
import { freePort } from "../src/lib/free-port.js";
import { createLogger } from "../src/lib/logger.js";

const WORKER = fileURLToPath(new URL("./journeys-worker.ts", import.meta.url));
/** Extra node flags for the worker processes, e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(" ").filter(Boolean);

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}
const RUNS = Number(arg("runs", "10000"));
const SLEEPING = arg("sleeping", "0,100000,1000000").split(",").map(Number);
const DUE = Number(arg("due", "10000"));
const EXITS = Number(arg("exits", "1000"));
/** `--only a,c`: run some parts (the baseline always runs). */
const ONLY = new Set(arg("only", "a,b,c,d").split(","));
const ENGINES =
  arg("engine", "postgres") === "hatchet" ? (["postgres", "hatchet"] as const) : (["postgres"] as const);
type Engine = (typeof ENGINES)[number];
/** Worker environment per engine (Hatchet's settings once its local engine is up). */
const engineEnv: Record<Engine, Record<string, string>> = { postgres: {}, hatchet: {} };
let hatchetSettings: HatchetSettings | undefined;
/** Hatchet's no-op durable tasks/s, measured in this run (part a). */
let hatchetCeiling: number | undefined;

interface Row {
  measure: string;
  value: string;
  ratio?: string;
  note?: string;
}
const rows: Row[] = [];
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-journeys-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    url = embedded.url;
  }
  const workers: ChildProcess[] = [];
  const db = createDatabase(url, { max: 10 });
  let hatchet: LocalHatchet | undefined;
  try {
    await migrate(url);
    await reset(db);
    const baseline = await insertBaseline(db);
    rows.push({ measure: "baseline: single-row INSERT commits/s (8 conns)", value: fmt(baseline) });
    if (ENGINES.length > 1) {
      const home = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
      hatchet = await startLocalHatchet({
        binDir:
          process.env.HOGSEND_HATCHET_BIN_DIR ??
          path.join(home, "hogsend-tools", `hatchet@${HATCHET_ENGINE_VERSION}`),
        postgresUrl: url,
        stateDir: path.join(tmp ?? os.tmpdir(), "hatchet"),
        logger: createLogger({ level: "warn", pretty: false }),
      });
      hatchetSettings = hatchet.settings;
      engineEnv.hatchet = {
        HOGSEND_ENGINE: "hatchet",
        HATCHET_CLIENT_TOKEN: hatchet.settings.token,
        HATCHET_CLIENT_HOST_PORT: hatchet.settings.hostPort ?? "",
        HATCHET_CLIENT_TLS_STRATEGY: "none",
      };
    }
    for (const engine of ENGINES) {
      // Each engine's rows carry its name; with one engine the table reads as it always did.
      const tag = ENGINES.length > 1 ? `[${engine}] ` : "";
      await runParts(db, url, engine, tag, baseline, workers);
    }
    printTable();
  } finally {
    for (const child of workers) child.kill("SIGKILL");
    await hatchet?.stop();
    await db.close().catch(() => {});
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

async function runParts(
  db: Database,
  url: string,
  engine: Engine,
  tag: string,
  baseline: number,
  workers: ChildProcess[],
): Promise<void> {
  // (a) throughput with 1 and 2 workers.
  if (engine === "hatchet" && ONLY.has("a") && hatchetSettings) {
    // Hatchet's own ceiling here: the same shape of work (start, one 1 s durable sleep, complete) with no Hogsend
    // in it, so the Hatchet rows below read as a share of what this Hatchet can do at all.
    const perSec = await hatchetNoopRate(hatchetSettings, RUNS);
    hatchetCeiling = perSec;
    rows.push({
      measure: `${tag}(a) baseline: no-op durable tasks/s (1 s sleep) on Hatchet alone`,
      value: fmt(perSec),
      ratio: `${(perSec / baseline).toFixed(3)}x baseline`,
      note: `${RUNS} tasks, started by bulk runNoWait, one in-process worker (1,000 durable slots)`,
    });
  }
  for (const count of ONLY.has("a") ? [1, 2] : []) {
    await reset(db);
    const started = await startWorkers(url, count, workers, engine);
    const perSec = await throughput(db, RUNS);
    await stopWorkers(started, workers);
    rows.push({
      measure: `${tag}(a) runs/s, short journey, ${count} worker${count > 1 ? "s" : ""}`,
      value: fmt(perSec),
      ratio:
        `${(perSec / baseline).toFixed(3)}x baseline` +
        (engine === "hatchet" && hatchetCeiling
          ? `, ${(perSec / hatchetCeiling).toFixed(2)}x Hatchet alone`
          : ""),
      note: `${RUNS} runs, each: enroll, checkpoint, 1 s sleep, complete`,
    });
  }

  // (b) worker RSS and Postgres bytes per run with N sleeping runs, put to sleep by the engine itself.
  await reset(db);
  if (ONLY.has("b")) {
    const [worker] = await startWorkers(url, 1, workers, engine);
    let inserted = 0;
    for (const target of SLEEPING) {
      if (target > inserted) {
        const t = performance.now();
        await insertRuns(db, {
          offset: inserted,
          n: target - inserted,
          prefix: "sleeper",
          wakeIn: "30 days",
        });
        const parked = await untilParked(db, target, 600_000);
        log(
          `${engine}: ${fmt(parked)} of ${fmt(target)} runs asleep after ${((performance.now() - t) / 1000).toFixed(1)} s`,
        );
        inserted = target;
      }
      await sleep(4_000);
      const rss = await rssMb(worker!.pid!);
      const bytes = await db.query<{ runs: number; journal: number }>(
        `SELECT pg_total_relation_size('journey_runs')::float8 AS runs,
                pg_total_relation_size('journey_journal')::float8 AS journal`,
      );
      const total = (bytes.rows[0]?.runs ?? 0) + (bytes.rows[0]?.journal ?? 0);
      rows.push({
        measure: `${tag}(b) ${fmt(target)} sleeping runs: worker RSS`,
        value: `${rss.toFixed(0)} MB`,
        note:
          target > 0
            ? `${(total / target).toFixed(0)} Postgres bytes/run (runs + journal, with indexes)`
            : "",
      });
    }
    await stopWorkers([worker!], workers);
  }

  // (c) wake lag when N runs come due at once.
  if (ONLY.has("c")) {
    await reset(db);
    const due = await wakeLag(db, url, workers, engine);
    rows.push({ measure: `${tag}(c) wake lag p50, ${fmt(DUE)} runs due at once`, value: `${due.p50} ms` });
    rows.push({
      measure: `${tag}(c) wake lag p99, ${fmt(DUE)} runs due at once`,
      value: `${due.p99} ms`,
      note: `max ${due.max} ms; ${fmt(due.count)} resumed`,
    });
  }

  // (d) exit latency.
  if (ONLY.has("d")) {
    await reset(db);
    const exits = await exitLatency(db, url, workers, engine);
    rows.push({ measure: `${tag}(d) exit latency p50 (${EXITS} exits)`, value: `${exits.p50} ms` });
    rows.push({
      measure: `${tag}(d) exit latency p99 (${EXITS} exits)`,
      value: `${exits.p99} ms`,
      note: `max ${exits.max} ms`,
    });
    if (engine === "hatchet") {
      rows.push({
        measure: `${tag}(d) exit → Hatchet run cancelled p50 / p99`,
        value: `${exits.cancelled.p50} / ${exits.cancelled.p99} ms`,
        note: "best effort, after the run has exited in Postgres",
      });
    }
  }
}

async function reset(db: Database): Promise<void> {
  // A fresh Hatchet namespace per part: the previous part's engine runs (started, not yet parked) are left to a
  // namespace no worker serves, instead of running first and delaying this part's.
  if (engineEnv.hatchet.HATCHET_CLIENT_TOKEN)
    engineEnv.hatchet.HATCHET_CLIENT_NAMESPACE = `bench_${Date.now()}_`;
  await db.query(
    `TRUNCATE journey_runs, journey_journal, journey_engine_waits, journey_once_entries, journey_skip_counts, events,
              event_routing_queue,
              contacts, journey_workers`,
  );
  await db.query("UPDATE routing_partitions SET lease_owner = NULL, lease_expires_at = NULL");
  // Each part starts with the previous part's dirty pages flushed, so its writes are not billed to the next.
  // Needs superuser (embedded has it); elsewhere it is skipped. Table statistics are deliberately left as the
  // previous part made them, as a long-lived database would have them.
  await db.query("CHECKPOINT").catch(() => {});
}

async function insertBaseline(db: Database): Promise<number> {
  await db.query(
    "CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, payload jsonb NOT NULL)",
  );
  const total = 8_000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < total && performance.now() - started < 30_000) {
        next++;
        await db.query("INSERT INTO bench_baseline (payload) VALUES ($1)", [JSON.stringify({ n: next })]);
      }
    }),
  );
  const rate = next / ((performance.now() - started) / 1000);
  await db.query("DROP TABLE bench_baseline");
  return rate;
}

async function startWorkers(
  url: string,
  count: number,
  all: ChildProcess[],
  engine: Engine,
): Promise<ChildProcess[]> {
  const started = await Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(
        process.execPath,
        [...WORKER_NODE_ARGS, "--conditions=hogsend-source", "--import", "tsx", WORKER],
        {
          env: {
            ...process.env,
            NODE_ENV: "test",
            LOG_LEVEL: "error",
            DATABASE_URL: url,
            ...engineEnv[engine],
          },
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      all.push(child);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("worker did not start in 60 s")), 60_000);
        child.stdout?.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("ready")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => reject(new Error(`worker exited (${code})`)));
      });
      return child;
    }),
  );
  return started;
}

async function stopWorkers(stop: ChildProcess[], all: ChildProcess[]): Promise<void> {
  await Promise.all(
    stop.map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  for (const child of stop) all.splice(all.indexOf(child), 1);
}

async function count(db: Database, sql: string, values: unknown[] = []): Promise<number> {
  const result = await db.query<{ n: number }>(sql, values);
  return result.rows[0]?.n ?? 0;
}

async function throughput(db: Database, runs: number): Promise<number> {
  const now = new Date();
  const events = Array.from({ length: runs }, (_, i) => ({
    messageId: `a-${i}-${now.getTime()}`,
    event: "bench.start",
    userId: `a-user-${i}`,
    occurredAt: now,
  }));
  const started = performance.now();
  for (let i = 0; i < events.length; i += 1000) await insertEvents(db, events.slice(i, i + 1000));
  const deadline = started + 180_000;
  let done = 0;
  while (performance.now() < deadline) {
    done = await count(db, "SELECT count(*)::int AS n FROM journey_runs WHERE status = 'completed'");
    if (done >= runs) break;
    await sleep(100);
  }
  if (done < runs) log(`(a) only ${done}/${runs} completed before the 180 s bound`);
  // The 1 s sleep is latency, not work: leave it out of the rate.
  return done / ((performance.now() - started) / 1000 - 1);
}

/**
 * Hatchet alone: N durable tasks that each sleep 1 s (a durable sleep, as a journey's), started in bulk, run by one
 * worker in this process. Returns tasks/s, the sleep left out as in `throughput`.
 */
async function hatchetNoopRate(settings: HatchetSettings, n: number): Promise<number> {
  const client = createHatchetClient(
    { ...settings, namespace: `bench_noop_${Date.now()}_` },
    createLogger({ level: "error", pretty: false }),
  );
  let done = 0;
  const task = client.durableTask({
    name: "bench-noop",
    executionTimeout: "1h",
    retries: 0,
    fn: async (_input: Record<string, never>, ctx) => {
      await ctx.sleepFor("1s");
      done++;
      return {};
    },
  });
  const worker = await client.worker("bench-noop", { workflows: [task], slots: 1000, durableSlots: 1000 });
  const running = worker.start().catch(() => {});
  await worker.waitUntilReady(60_000);
  const started = performance.now();
  for (let i = 0; i < n; i += 500) {
    await task.runNoWait(Array.from({ length: Math.min(500, n - i) }, () => ({})));
  }
  const deadline = started + 180_000;
  while (done < n && performance.now() < deadline) await sleep(100);
  const seconds = (performance.now() - started) / 1000;
  if (done < n) log(`(a) Hatchet alone: only ${done}/${n} no-op tasks completed before the 180 s bound`);
  await worker.stop().catch(() => {});
  await running;
  return done / (seconds - 1);
}

/**
 * Bulk-inserts runs due now whose journal already holds the journey's sleep, waking `wakeIn` from now (SQL, as the
 * router would have created them): the engine picks each up, replays the journal and parks it until then — a due_at
 * row on the Postgres engine, a waiting durable task on Hatchet.
 */
async function insertRuns(
  db: Database,
  params: { offset: number; n: number; prefix: string; wakeIn: string },
): Promise<void> {
  const chunk = 50_000;
  for (let i = 0; i < params.n; i += chunk) {
    const size = Math.min(chunk, params.n - i);
    await db.query(
      `WITH runs AS (
         INSERT INTO journey_runs (journey_id, user_id, user_email, properties, status, current_node_id, due_at,
                                   created_at, updated_at)
         SELECT 'bench-short', $3 || '-' || g, $3 || '-' || g || '@example.com', '{}'::jsonb, 'active', 'enrolled',
                now(), now(), now()
           FROM generate_series($1::int, $1::int + $2::int - 1) AS g
         RETURNING id)
       INSERT INTO journey_journal (run_id, position, kind, label, result, created_at)
       SELECT id, p.position, p.kind, p.label, p.result, now() FROM runs,
         (VALUES (0, 'checkpoint', 'enrolled', 'null'::jsonb),
                 (1, 'sleep', 'nap', jsonb_build_object('sleptAt', now(), 'wakeAt', now() + $4::interval)))
           AS p(position, kind, label, result)`,
      [params.offset + i, size, params.prefix, params.wakeIn],
    );
  }
  await db.query("SELECT pg_notify('hogsend_runs', '')");
}

/** Waits until `n` runs are asleep (waiting, held by no execution); returns how many were. */
async function untilParked(db: Database, n: number, boundMs: number): Promise<number> {
  const deadline = performance.now() + boundMs;
  let parked = 0;
  while (performance.now() < deadline) {
    parked = await count(
      db,
      "SELECT count(*)::int AS n FROM journey_runs WHERE status = 'waiting' AND lease_owner IS NULL",
    );
    if (parked >= n) break;
    await sleep(500);
  }
  return parked;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted[sorted.length - 1] ?? Number.NaN) };
}

async function wakeLag(db: Database, url: string, workers: ChildProcess[], engine: Engine) {
  const started = await startWorkers(url, 2, workers, engine);
  // Runs put to sleep by the engine, all due at one moment: long enough ahead for every run to be parked.
  // Hatchet parks tens of runs a second here, so its lead grows with N.
  const lead = engine === "hatchet" ? `${Math.max(90, Math.ceil(DUE / 5))} seconds` : "20 seconds";
  await insertRuns(db, { offset: 1, n: DUE, prefix: "due", wakeIn: lead });
  const parked = await untilParked(db, DUE, 120_000);
  if (parked < DUE) log(`(c) ${engine}: only ${parked}/${DUE} runs asleep before they came due`);
  const deadline = performance.now() + 240_000;
  while (performance.now() < deadline) {
    if ((await count(db, "SELECT count(*)::int AS n FROM journey_runs WHERE status = 'completed'")) >= DUE)
      break;
    await sleep(200);
  }
  await stopWorkers(started, workers);
  // Lag = when the replay resumed the run (recorded resumedAt) minus its wake time.
  const lags = await db.query<{ ms: number }>(
    `SELECT extract(epoch FROM ((result->>'resumedAt')::timestamptz - (result->>'wakeAt')::timestamptz)) * 1000 AS ms
       FROM journey_journal WHERE kind = 'sleep' AND result ? 'resumedAt'`,
  );
  if (lags.rows.length < DUE) log(`(c) only ${lags.rows.length}/${DUE} runs resumed before the bound`);
  return { ...percentiles(lags.rows.map((r) => Number(r.ms))), count: lags.rows.length };
}

async function exitLatency(db: Database, url: string, workers: ChildProcess[], engine: Engine) {
  const started = await startWorkers(url, 2, workers, engine);
  // Long sleepers to exit, parked by the engine.
  await insertRuns(db, { offset: 1, n: EXITS, prefix: "exit", wakeIn: "1 day" });
  const parked = await untilParked(db, EXITS, 120_000);
  if (parked < EXITS) log(`(d) ${engine}: only ${parked}/${EXITS} runs asleep before the exits`);
  const t0 = performance.now();
  // Exit events accepted at ~200/s, one per insert, as an ingest would store them. Message ids unique to this part:
  // the ingest dedupes them across parts and engines.
  const batch = Date.now();
  for (let i = 1; i <= EXITS && performance.now() - t0 < 60_000; i++) {
    await insertEvents(db, [
      { messageId: `exit-${batch}-${i}`, event: "bench.exit", userId: `exit-${i}`, occurredAt: new Date() },
    ]);
    await sleep(5);
  }
  const deadline = performance.now() + 60_000;
  const cancelledAt = new Map<string, number>();
  while (performance.now() < deadline) {
    const exited = await count(db, "SELECT count(*)::int AS n FROM journey_runs WHERE status = 'exited'");
    if (engine === "hatchet") {
      // The cancel sweep unbinds a run once Hatchet has been asked to cancel it.
      const unbound = await db.query<{ id: string }>(
        "SELECT id FROM journey_runs WHERE status = 'exited' AND engine_ref IS NULL",
      );
      for (const row of unbound.rows) if (!cancelledAt.has(row.id)) cancelledAt.set(row.id, Date.now());
    }
    if (exited >= EXITS && (engine !== "hatchet" || cancelledAt.size >= EXITS)) break;
    await sleep(50);
  }
  await stopWorkers(started, workers);
  const latencies = await db.query<{ id: string; ms: number; received: Date }>(
    `SELECT r.id, extract(epoch FROM (r.completed_at - e.received_at)) * 1000 AS ms, e.received_at AS received
       FROM journey_runs r JOIN events e ON e.id = r.exit_event_id WHERE r.status = 'exited'`,
  );
  const cancelled = latencies.rows
    .filter((row) => cancelledAt.has(row.id))
    .map((row) => (cancelledAt.get(row.id) ?? 0) - row.received.getTime());
  return {
    ...percentiles(latencies.rows.map((r) => Number(r.ms))),
    cancelled: percentiles(cancelled),
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function printTable(): void {
  const header = ["measure", "value", "ratio", "note"];
  const table = rows.map((r) => [r.measure, r.value, r.ratio ?? "", r.note ?? ""]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  process.stdout.write(
    `\n${line(header)}\n|${widths.map((w) => "-".repeat(w + 2)).join("|")}|\n${table.map(line).join("\n")}\n`,
  );
  process.stdout.write(`\n(machine: ${os.cpus().length} cores, Node ${process.version})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
