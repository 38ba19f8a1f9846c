/**
 * `npm run bench:journeys [-- --runs N --sleeping 0,100000,1000000 --due N --exits N]`
 *
 * The durable runtime on one Postgres (embedded in a temp dir, or DATABASE_URL when set), with real worker
 * processes (`bench/journeys-worker.ts`). Baseline, measured in the same run on the same Postgres: single-row
 * autocommit INSERTs from 8 connections (the per-commit ceiling every durable step pays). Then:
 *  (a) runs/s through a short journey (enroll, checkpoint, 1 s sleep, complete) with 1 and 2 workers;
 *  (b) worker RSS and Postgres bytes per run with N sleeping runs (bulk-inserted with SQL);
 *  (c) wake lag p50/p99 when N runs come due at once (2 workers);
 *  (d) exit latency p50/p99 from the exit event's acceptance to the run's end (2 workers).
 * Every loop is bounded in count and time. `--only c,d` runs some of the parts (the baseline always runs).
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
import { freePort } from "../src/lib/free-port.js";

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
  try {
    await migrate(url);
    await reset(db);
    const baseline = await insertBaseline(db);
    rows.push({ measure: "baseline: single-row INSERT commits/s (8 conns)", value: fmt(baseline) });

    // (a) throughput with 1 and 2 workers.
    for (const count of ONLY.has("a") ? [1, 2] : []) {
      await reset(db);
      const started = await startWorkers(url, count, workers);
      const perSec = await throughput(db, RUNS);
      await stopWorkers(started, workers);
      rows.push({
        measure: `(a) runs/s, short journey, ${count} worker${count > 1 ? "s" : ""}`,
        value: fmt(perSec),
        ratio: `${(perSec / baseline).toFixed(3)}x baseline`,
        note: `${RUNS} runs, each: enroll, checkpoint, 1 s sleep, complete`,
      });
    }

    // (b) worker RSS and Postgres bytes per run with N sleeping runs.
    await reset(db);
    let inserted = 0;
    for (const target of ONLY.has("b") ? SLEEPING : []) {
      if (target > inserted) {
        const t = performance.now();
        await insertSleepingRuns(db, inserted, target - inserted);
        log(
          `inserted ${target - inserted} sleeping runs in ${((performance.now() - t) / 1000).toFixed(1)} s`,
        );
        inserted = target;
      }
      await db.query("VACUUM ANALYZE journey_runs");
      await db.query("VACUUM ANALYZE journey_journal");
      const [worker] = await startWorkers(url, 1, workers);
      await sleep(4_000);
      const rss = await rssMb(worker!.pid!);
      await stopWorkers([worker!], workers);
      const bytes = await db.query<{ runs: number; journal: number }>(
        `SELECT pg_total_relation_size('journey_runs')::float8 AS runs,
                pg_total_relation_size('journey_journal')::float8 AS journal`,
      );
      const total = (bytes.rows[0]?.runs ?? 0) + (bytes.rows[0]?.journal ?? 0);
      rows.push({
        measure: `(b) ${fmt(target)} sleeping runs: worker RSS`,
        value: `${rss.toFixed(0)} MB`,
        note:
          target > 0
            ? `${(total / target).toFixed(0)} Postgres bytes/run (runs + journal, with indexes)`
            : "",
      });
    }

    // (c) wake lag when N runs come due at once.
    if (ONLY.has("c")) {
      await reset(db);
      const due = await wakeLag(db, url, workers);
      rows.push({ measure: `(c) wake lag p50, ${fmt(DUE)} runs due at once`, value: `${due.p50} ms` });
      rows.push({
        measure: `(c) wake lag p99, ${fmt(DUE)} runs due at once`,
        value: `${due.p99} ms`,
        note: `max ${due.max} ms`,
      });
    }

    // (d) exit latency.
    if (ONLY.has("d")) {
      await reset(db);
      const exits = await exitLatency(db, url, workers);
      rows.push({ measure: `(d) exit latency p50 (${EXITS} exits)`, value: `${exits.p50} ms` });
      rows.push({
        measure: `(d) exit latency p99 (${EXITS} exits)`,
        value: `${exits.p99} ms`,
        note: `max ${exits.max} ms`,
      });
    }
    printTable();
  } finally {
    for (const child of workers) child.kill("SIGKILL");
    await db.close().catch(() => {});
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

async function reset(db: Database): Promise<void> {
  await db.query(
    `TRUNCATE journey_runs, journey_journal, journey_once_entries, journey_skip_counts, events, event_routing_queue,
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

async function startWorkers(url: string, count: number, all: ChildProcess[]): Promise<ChildProcess[]> {
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

/** Bulk-inserts sleeping runs (status waiting, wake in 30 days) with their sleep journal entry, as SQL. */
async function insertSleepingRuns(db: Database, offset: number, n: number): Promise<void> {
  const chunk = 100_000;
  for (let i = 0; i < n; i += chunk) {
    const size = Math.min(chunk, n - i);
    await db.query(
      `WITH runs AS (
         INSERT INTO journey_runs (journey_id, user_id, user_email, properties, status, current_node_id, due_at,
                                   created_at, updated_at)
         SELECT 'bench-short', 'sleeper-' || g, 'sleeper-' || g || '@example.com', '{}'::jsonb, 'waiting', 'nap',
                now() + interval '30 days', now(), now()
           FROM generate_series($1::int, $1::int + $2::int - 1) AS g
         RETURNING id)
       INSERT INTO journey_journal (run_id, position, kind, label, result, created_at)
       SELECT id, p.position, p.kind, p.label, p.result, now() FROM runs,
         (VALUES (0, 'checkpoint', 'enrolled', 'null'::jsonb),
                 (1, 'sleep', 'nap', jsonb_build_object('sleptAt', now(), 'wakeAt', now() + interval '30 days')))
           AS p(position, kind, label, result)`,
      [offset + i, size],
    );
  }
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

async function wakeLag(db: Database, url: string, workers: ChildProcess[]) {
  const started = await startWorkers(url, 2, workers);
  // Runs already asleep (journal written), all due 5 s from now.
  await db.query(
    `WITH runs AS (
       INSERT INTO journey_runs (journey_id, user_id, properties, status, current_node_id, due_at, created_at, updated_at)
       SELECT 'bench-short', 'due-' || g, '{}'::jsonb, 'waiting', 'nap', now() + interval '5 seconds', now(), now()
         FROM generate_series(1, $1::int) AS g
       RETURNING id, due_at)
     INSERT INTO journey_journal (run_id, position, kind, label, result, created_at)
     SELECT id, p.position, p.kind, p.label, CASE WHEN p.kind = 'sleep'
              THEN jsonb_build_object('sleptAt', now(), 'wakeAt', to_jsonb(due_at)) ELSE 'null'::jsonb END, now()
       FROM runs, (VALUES (0, 'checkpoint', 'enrolled'), (1, 'sleep', 'nap')) AS p(position, kind, label)`,
    [DUE],
  );
  const deadline = performance.now() + 120_000;
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
  return percentiles(lags.rows.map((r) => Number(r.ms)));
}

async function exitLatency(db: Database, url: string, workers: ChildProcess[]) {
  // Long sleepers to exit.
  await db.query(
    `INSERT INTO journey_runs (journey_id, user_id, properties, status, current_node_id, due_at, created_at, updated_at)
     SELECT 'bench-short', 'exit-' || g, '{}'::jsonb, 'waiting', 'nap', now() + interval '1 day', now(), now()
       FROM generate_series(1, $1::int) AS g`,
    [EXITS],
  );
  const started = await startWorkers(url, 2, workers);
  await sleep(2_000);
  const t0 = performance.now();
  // Exit events accepted at ~200/s, one per insert, as an ingest would store them.
  for (let i = 1; i <= EXITS && performance.now() - t0 < 60_000; i++) {
    await insertEvents(db, [
      { messageId: `exit-${i}`, event: "bench.exit", userId: `exit-${i}`, occurredAt: new Date() },
    ]);
    await sleep(5);
  }
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if ((await count(db, "SELECT count(*)::int AS n FROM journey_runs WHERE status = 'exited'")) >= EXITS)
      break;
    await sleep(100);
  }
  await stopWorkers(started, workers);
  const latencies = await db.query<{ ms: number }>(
    `SELECT extract(epoch FROM (r.completed_at - e.received_at)) * 1000 AS ms
       FROM journey_runs r JOIN events e ON e.id = r.exit_event_id WHERE r.status = 'exited'`,
  );
  return percentiles(latencies.rows.map((r) => Number(r.ms)));
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
