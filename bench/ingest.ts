/**
 * `npm run bench:ingest [-- --events N --contacts N --duration S]`
 *
 * Ingest throughput of a real `hogsend api` child process on loopback, driven by autocannon, against an
 * embedded Postgres in a temp dir (or DATABASE_URL when set). The baseline, measured in the same run on the same
 * Postgres, is the raw multi-row insert rate: INSERT ... SELECT unnest of 1,000-row arrays into a scratch table
 * with the events columns. Then: single-event and 100-event batch requests at several concurrencies, routing
 * throughput of a `hogsend worker`, a large run whose stored count is checked exactly, and a streamed contact
 * import whose api RSS is sampled throughout (constant memory). Every load loop is bounded in count and time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { CLI_AUDIT_CONTEXT } from "../src/audit/audit-entry.js";
import { createApiKey } from "../src/auth/api-key-store.js";
import { createDatabase } from "../src/db/database.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { freePort } from "../src/lib/free-port.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(ROOT, "bin/hogsend.mjs");
const ADMIN_KEY = "bench-admin-key-0123456789abcdefghij";

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
const EVENTS = arg("events", 1_000_000);
const CONTACTS = arg("contacts", 1_000_000);
const DURATION = arg("duration", 10);

interface Row {
  name: string;
  /** CPU the api process used, as % of one core over the scenario. */
  apiCpu?: number;
  eventsPerSec: number;
  requestsPerSec?: number;
  p50?: number;
  p99?: number;
  note?: string;
}
const rows: Row[] = [];

async function main() {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    url = embedded.url;
  }
  const children: ChildProcess[] = [];
  try {
    await migrate(url);
    const db = createDatabase(url, { max: 8 });
    const { key: ingestKey } = await createApiKey(db, { name: "bench", scope: "ingest" }, CLI_AUDIT_CONTEXT);
    log(`postgres: ${url.replace(/:[^:@/]+@/, ":***@")}`);

    const baseline = await measureRawInsert(db, 200_000);
    rows.push({ name: "baseline: raw unnest insert, 1,000-row statements x4 conns", eventsPerSec: baseline });

    const port = await freePort();
    // The streamed contact import below is one request that can take minutes: more than the 30 s default.
    const api = spawnHogsend(["api"], url, { PORT: String(port), HOGSEND_HTTP_REQUEST_TIMEOUT_MS: "900000" });
    children.push(api);
    await waitForHealthy(`http://127.0.0.1:${port}/v1/health`);
    const target = `http://127.0.0.1:${port}/v1/ingest`;
    const apiPid = api.pid!;

    const single = JSON.stringify({
      event: "bench.single",
      userId: "user-1",
      properties: { plan: "pro", n: 1 },
    });
    for (const connections of [10, 50]) {
      const r = await cannon({
        url: target,
        key: ingestKey,
        body: single,
        connections,
        duration: DURATION,
        apiPid,
      });
      rows.push({
        name: `single event, ${connections} connections`,
        eventsPerSec: r.rps,
        requestsPerSec: r.rps,
        p50: r.p50,
        p99: r.p99,
        apiCpu: r.apiCpu,
        note: r.problems,
      });
    }
    const batch = JSON.stringify({
      batch: Array.from({ length: 100 }, (_, i) => ({
        event: "bench.batch",
        userId: `user-${i % 37}`,
        properties: { plan: "pro", i },
      })),
    });
    for (const connections of [4, 16]) {
      const r = await cannon({
        url: target,
        key: ingestKey,
        body: batch,
        connections,
        duration: DURATION,
        apiPid,
      });
      rows.push({
        name: `100-event batches, ${connections} connections`,
        eventsPerSec: r.rps * 100,
        requestsPerSec: r.rps,
        p50: r.p50,
        p99: r.p99,
        apiCpu: r.apiCpu,
        note: r.problems,
      });
    }

    // The large run: N events in 100-event batches, then an exact count of what was stored.
    const bigBatch = batch.replaceAll("bench.batch", "bench.million");
    const requests = Math.ceil(EVENTS / 100);
    const big = await cannon({
      url: target,
      key: ingestKey,
      body: bigBatch,
      connections: 16,
      amount: requests,
      maxSeconds: 600,
      apiPid,
    });
    const stored = await scalar(db, "SELECT count(*)::int AS n FROM events WHERE event = 'bench.million'");
    const expected = big.ok * 100;
    rows.push({
      name: `${(requests * 100).toLocaleString()}-event run (100/batch, 16 conns)`,
      eventsPerSec: big.rps * 100,
      requestsPerSec: big.rps,
      p50: big.p50,
      p99: big.p99,
      apiCpu: big.apiCpu,
      note: `${big.ok} acked x100 = ${expected}; stored ${stored}: ${stored === expected && big.ok === requests ? "exact" : "MISMATCH"}${big.problems ? `; ${big.problems}` : ""}`,
    });

    // Contact import: N NDJSON rows streamed into the api, RSS sampled all along.
    const rss = await measureImport(api, port, CONTACTS);
    rows.push({
      name: `contact import, ${CONTACTS.toLocaleString()} NDJSON rows (streamed)`,
      eventsPerSec: rss.rowsPerSec,
      note: `api RSS MB: before ${rss.before}, peak 1st half ${rss.firstHalfMax}, peak 2nd half ${rss.secondHalfMax}, after ${rss.after}; imported ${rss.imported}`,
    });

    // Routing: a worker drains a queue of trigger events for distinct users into journey enrollments.
    await db.query("DELETE FROM event_routing_queue");
    const routed = await measureRouting(db, url, target, ingestKey, 20_000);
    rows.push({
      name: "routing: worker drains queue (checkout.started, distinct users)",
      eventsPerSec: routed.eventsPerSec,
      note: `${routed.events} events routed in ${routed.seconds.toFixed(1)} s; ${routed.enrolled} enrollments`,
    });
    await db.close();
    printTable(baseline);
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(
      children.map(
        (c) => new Promise((resolve) => (c.exitCode === null ? c.once("exit", resolve) : resolve(null))),
      ),
    );
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

async function measureRawInsert(db: ReturnType<typeof createDatabase>, total: number): Promise<number> {
  await db.query(`DROP TABLE IF EXISTS bench_scratch`);
  await db.query(
    `CREATE TABLE bench_scratch (
       id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, message_id text NOT NULL, event text NOT NULL,
       user_id text NOT NULL, user_email text, properties jsonb NOT NULL, occurred_at timestamptz NOT NULL,
       received_at timestamptz NOT NULL DEFAULT now(), source text NOT NULL DEFAULT 'api')`,
  );
  const size = 1000;
  const statements = Math.ceil(total / size);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < statements) {
      const n = next++;
      const ids = Array.from({ length: size }, (_, i) => `raw-${n}-${i}`);
      await db.query(
        `INSERT INTO bench_scratch (message_id, event, user_id, user_email, properties, occurred_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])`,
        [
          ids,
          ids.map(() => "bench.raw"),
          ids.map((_, i) => `user-${i % 37}`),
          ids.map(() => null),
          ids.map((_, i) => JSON.stringify({ plan: "pro", i })),
          ids.map(() => new Date().toISOString()),
        ],
      );
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const seconds = (performance.now() - started) / 1000;
  await db.query("DROP TABLE bench_scratch");
  return (statements * size) / seconds;
}

interface CannonResult {
  apiCpu: number;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  problems: string;
}

async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of /proc/PID/stat; index 11 and 12 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function cannon(options: {
  url: string;
  key: string;
  body: string;
  connections: number;
  duration?: number;
  amount?: number;
  maxSeconds?: number;
  apiPid: number;
}): Promise<CannonResult> {
  const cpuBefore = await cpuSeconds(options.apiPid);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: "POST",
        headers: { Authorization: `Bearer ${options.key}`, "Content-Type": "application/json" },
        body: options.body,
        connections: options.connections,
        pipelining: 1,
        ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 10 }),
      },
      (error, result) => {
        clearTimeout(guard);
        if (error) return reject(error);
        const non2xx = result.non2xx;
        const ok = result["2xx"];
        const problems = [
          non2xx ? `${non2xx} non-2xx` : "",
          result.errors ? `${result.errors} errors` : "",
          result.timeouts ? `${result.timeouts} timeouts` : "",
        ]
          .filter(Boolean)
          .join(", ");
        const seconds = result.duration;
        cpuSeconds(options.apiPid).then((cpuAfter) => {
          const apiCpu = (100 * (cpuAfter - cpuBefore)) / ((performance.now() - started) / 1000);
          resolve({
            rps: ok / seconds,
            p50: result.latency.p50,
            p99: result.latency.p99,
            ok,
            problems,
            apiCpu,
          });
        }, reject);
      },
    );
    const guard = setTimeout(() => instance.stop(), (options.maxSeconds ?? 120) * 1000);
  });
}

async function measureImport(api: ChildProcess, port: number, count: number) {
  const pid = api.pid!;
  const samples: number[] = [];
  const before = await rssMb(pid);
  const timer = setInterval(() => {
    rssMb(pid).then(
      (mb) => samples.push(mb),
      () => {},
    );
  }, 200);
  const started = performance.now();
  async function* lines() {
    const chunk = 1000;
    for (let start = 0; start < count; start += chunk) {
      let text = "";
      for (let i = start; i < Math.min(count, start + chunk); i++) {
        text += `${JSON.stringify({ userId: `imported-${i}`, email: `person${i}@example.com`, properties: { plan: i % 2 ? "pro" : "free", score: i } })}\n`;
      }
      yield Buffer.from(text);
    }
  }
  const res = await fetch(`http://127.0.0.1:${port}/v1/admin/contacts/import`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "application/x-ndjson" },
    body: Readable.toWeb(Readable.from(lines())) as ReadableStream,
    duplex: "half",
    signal: AbortSignal.timeout(900_000),
  } as RequestInit);
  const summary = ((await res.json()) as { data: { imported: number; failed: number } }).data;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  const after = await rssMb(pid);
  const half = Math.floor(samples.length / 2);
  return {
    before,
    after,
    max: Math.max(before, after, ...samples),
    // Constant memory shows as the second half of the import peaking no higher than the first.
    firstHalfMax: Math.max(before, ...samples.slice(0, half)),
    secondHalfMax: Math.max(after, ...samples.slice(half)),
    imported: `${summary.imported} (failed ${summary.failed}, HTTP ${res.status})`,
    rowsPerSec: summary.imported / seconds,
  };
}

async function measureRouting(
  db: ReturnType<typeof createDatabase>,
  url: string,
  target: string,
  key: string,
  count: number,
) {
  const users = Array.from({ length: count }, (_, i) => `router-${i}`);
  for (let start = 0; start < count; start += 1000) {
    const res = await fetch(target, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        batch: users.slice(start, start + 1000).map((userId) => ({
          event: "checkout.started",
          userId,
          properties: { cartId: `cart-${userId}` },
        })),
      }),
    });
    if (res.status !== 202) throw new Error(`routing setup: HTTP ${res.status}`);
  }
  const queued = await scalar(db, "SELECT count(*)::int AS n FROM event_routing_queue");
  const worker = spawnHogsend(["worker", "--config", path.join(ROOT, "examples/hogsend.config.ts")], url, {
    HOGSEND_POLL_INTERVAL_MS: "100",
  });
  const started = performance.now();
  const deadline = Date.now() + 300_000;
  let left = queued;
  try {
    while (left > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      left = await scalar(db, "SELECT count(*)::int AS n FROM event_routing_queue");
    }
  } finally {
    worker.kill("SIGTERM");
    await new Promise((resolve) => (worker.exitCode === null ? worker.once("exit", resolve) : resolve(null)));
  }
  const seconds = (performance.now() - started) / 1000;
  const enrolled = await scalar(
    db,
    "SELECT count(*)::int AS n FROM journey_runs WHERE journey_id = 'checkout-recovery' AND user_id LIKE 'router-%'",
  );
  // Includes the worker's start-up (loading journeys), so this is a lower bound on the steady drain rate.
  return { events: queued - left, seconds, enrolled, eventsPerSec: (queued - left) / seconds };
}

function spawnHogsend(args: string[], url: string, extra: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      DATABASE_URL: url,
      HOGSEND_API_KEY: ADMIN_KEY,
      HOGSEND_INGEST_RATE_LIMIT: "0",
      ...extra,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return child;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function scalar(db: ReturnType<typeof createDatabase>, sql: string): Promise<number> {
  const result = await db.query<{ n: number }>(sql);
  return result.rows[0]?.n ?? 0;
}

async function waitForHealthy(url: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

function printTable(baseline: number) {
  const fmt = (n: number | undefined, digits = 0) =>
    n === undefined ? "" : n.toLocaleString("en-US", { maximumFractionDigits: digits });
  const header = [
    "scenario",
    "events/s",
    "ratio to baseline",
    "req/s",
    "p50 ms",
    "p99 ms",
    "api cpu %",
    "notes",
  ];
  const lines = rows.map((r) => [
    r.name,
    fmt(r.eventsPerSec),
    r.name.startsWith("baseline") || r.name.startsWith("contact import")
      ? ""
      : `${(r.eventsPerSec / baseline).toFixed(2)}x`,
    fmt(r.requestsPerSec),
    fmt(r.p50, 1),
    fmt(r.p99, 1),
    fmt(r.apiCpu),
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
  process.stdout.write(`\n${render(header)}\n${widths.map((w) => "-".repeat(w)).join("-|-")}\n`);
  for (const line of lines) process.stdout.write(`${render(line)}\n`);
  process.stdout.write(
    "\nTargets: batched >= 20,000 events/s; single events >= 2,000 req/s with p99 < 50 ms; stored count exact.\n",
  );
}

await main();
