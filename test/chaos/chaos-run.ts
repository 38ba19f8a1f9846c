import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Webhook } from "svix";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { migrate } from "../../src/db/migrate.js";
import { FakeResendServer } from "../helpers/fake-resend-server.js";
import { freePort, type LongRunning, startCli, waitForHealthy } from "../helpers/run-cli.js";

/**
 * The chaos run behind `npm run chaos` and the short Postgres-restart test: a real `hogsend api` and two real
 * `hogsend worker` processes on one embedded Postgres, under mixed load (batched and single ingest, journeys that
 * sleep and send email to a local Resend-compatible server, signed webhooks, a contact import), while Postgres is
 * restarted, refused for a long stretch (failover), has every Hogsend backend terminated, and workers are
 * SIGKILLed. Then exact accounting from the database and the provider. Every loop is bounded in count and time.
 *
 * The multi-process topology (`apis` × `workers`, e.g. `npm run chaos -- --topology 2x3`): several api processes,
 * each on its own port, take the load round-robin (a client whose api is gone retries the same request on the
 * next, as a load balancer would), several workers share the partitions and runs, and each `processKills` round
 * SIGKILLs every process in turn — apis and workers — and starts it again, under load. The same accounting holds.
 */
export interface ChaosOptions {
  /** Postgres restarts (stop, short pause, start). */
  restarts: number;
  /** Worker SIGKILLs (each worker is started again at once). */
  kills: number;
  /** Rounds of pg_terminate_backend of every Hogsend connection. */
  terminations: number;
  /** One outage this long (Postgres stopped: connections refused), 0 for none. */
  longOutageMs: number;
  /** Users entering the journey (two emails each). */
  users: number;
  /** Single-event ingest requests. */
  singles: number;
  /** Signed Resend webhooks. */
  webhooks: number;
  /** Contacts in the one CSV import. */
  importRows: number;
  /** Pause between disruptions. */
  gapMs: number;
  /** Hard limit for the whole run. */
  deadlineMs: number;
  /** api processes (each on its own port; load spread round-robin). Default 1. */
  apis?: number;
  /** worker processes. Default 2. */
  workers?: number;
  /** Rounds in which every process, api and worker, is SIGKILLed in turn and started again. Default 0. */
  processKills?: number;
  log: (line: string) => void;
}

export interface ChaosReport {
  durationMs: number;
  disruptions: {
    restarts: number;
    longOutages: number;
    terminations: number;
    kills: number;
    /** Processes SIGKILLed by the process-kill rounds (apis and workers). */
    processKills: number;
  };
  crashes: { api: number; worker: number };
  recoveryMs: { ingest: number[]; routing: number[] };
  events: { acknowledged: number; stored: number; distinct: number; queuedLeft: number };
  runs: { expected: number; total: number; completed: number; other: number; completedEvents: number };
  effects: { rows: number; distinct: number; expected: number };
  routing: { enrollmentSkips: number; deadLetters: number };
  emails: {
    expected: number;
    sent: number;
    notSent: number;
    providerAccepted: number;
    providerDuplicateContents: number;
    providerRetriedKeys: number;
  };
  webhooks: { acknowledged: number; receipts: number };
  imports: { rows: number; found: number };
  logs: { outagesLogged: number; recoveriesLogged: number; lines: string[] };
  problems: string[];
}

export const CHAOS_DEFAULTS: Omit<ChaosOptions, "log"> = {
  restarts: 5,
  kills: 5,
  terminations: 2,
  longOutageMs: 30_000,
  users: 1_500,
  singles: 400,
  webhooks: 200,
  importRows: 500,
  gapMs: 3_000,
  deadlineMs: 20 * 60_000,
};

const JOURNEYS = fileURLToPath(new URL("./chaos-journeys.ts", import.meta.url));
// The examples' templates (the chaos journeys send them); --journeys replaces the config's journeys.
const CONFIG = fileURLToPath(new URL("../../examples/hogsend.config.ts", import.meta.url));
const KEY = "chaos-admin-key-0123456789abcdef";
const WEBHOOK_SECRET = `whsec_${Buffer.from("chaos-webhook-secret-0123456789").toString("base64")}`;
const BATCH = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Proc {
  role: "api" | "worker";
  /** The api's port; 0 for a worker. */
  port: number;
  cli: LongRunning;
  killedByUs: boolean;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const log = options.log;
  const dir = await mkdtemp(path.join(os.tmpdir(), "hogsend-chaos-"));
  const pgDir = path.join(dir, "pg");
  const pgPort = await freePort();
  const apiCount = Math.max(1, options.apis ?? 1);
  const workerCount = Math.max(1, options.workers ?? 2);
  const apiPorts: number[] = [];
  for (let i = 0; i < apiCount; i++) apiPorts.push(await freePort());
  let postgres: EmbeddedPostgresHandle | undefined = await startEmbeddedPostgres({
    dataDir: pgDir,
    port: pgPort,
  });
  const url = postgres.url;
  await migrate(url);
  const resend = await new FakeResendServer().start();
  const problems: string[] = [];
  const crashes = { api: 0, worker: 0 };
  const procs: Proc[] = [];
  let allOutput = "";
  const env = {
    DATABASE_URL: url,
    HOGSEND_API_KEY: KEY,
    HOGSEND_INGEST_RATE_LIMIT: "0",
    HOGSEND_LEASE_SECONDS: "3",
    HOGSEND_POLL_INTERVAL_MS: "250",
    HOGSEND_DB_POOL_SIZE: "8",
    HOGSEND_DATABASE_OUTAGE_ALERT_SECONDS: "10",
    EMAIL_PROVIDER: "resend",
    RESEND_API_KEY: resend.apiKey,
    RESEND_BASE_URL: resend.baseUrl,
    RESEND_FROM_EMAIL: "Chaos <chaos@example.com>",
    RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
    EMAIL_RATE_LIMIT_PER_SECOND: "0",
    EMAIL_RETRY_BASE_MS: "500",
    EMAIL_MAX_ATTEMPTS: "50",
    LOG_LEVEL: "info",
  };

  const spawnProc = (role: Proc["role"], port = 0): Proc => {
    const args =
      role === "api" ? ["api", "--config", CONFIG] : ["worker", "--config", CONFIG, "--journeys", JOURNEYS];
    const procEnv = role === "api" ? { ...env, PORT: String(port) } : env;
    const proc: Proc = { role, port, cli: startCli(args, procEnv), killedByUs: false };
    procs.push(proc);
    void proc.cli.exited.then(({ code, signal }) => {
      allOutput += labelled(proc);
      if (proc.killedByUs || stopping) return;
      crashes[role]++;
      problems.push(`${role} exited by itself (code ${code}, signal ${signal}): ${tail(proc.cli.output())}`);
      // Keep the run going so the rest of the accounting still means something; the crash is reported.
      replace(proc, spawnProc(role, proc.port));
    });
    return proc;
  };
  const replace = (old: Proc, next: Proc) => {
    const index = procs.indexOf(old);
    if (index >= 0) procs.splice(index, 1);
    if (next !== old && !procs.includes(next)) procs.push(next);
  };
  let stopping = false;

  let nextApi = 0;
  // Round-robin over the api processes; a retry of a request whose api died goes to the next one.
  const post = (route: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${apiPorts[nextApi++ % apiPorts.length]}${route}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json", ...headers },
      body,
      signal: AbortSignal.timeout(15_000),
    });

  // Retries the same request (same messageIds, same svix-id) until it is acknowledged: that is what a client
  // does, and what makes "acknowledged once, stored once" checkable.
  const untilAcknowledged = async (
    what: string,
    send: () => Promise<Response>,
    ok: (status: number) => boolean,
  ): Promise<boolean> => {
    while (Date.now() < deadline) {
      let status = -1;
      try {
        const res = await send();
        status = res.status;
        await res.arrayBuffer();
        if (ok(status)) return true;
      } catch {
        status = -1;
      }
      if (status >= 500 && status !== 503) problems.push(`${what}: HTTP ${status}`);
      if (status >= 400 && status < 500) {
        problems.push(`${what}: HTTP ${status}`);
        return false;
      }
      await sleep(200);
    }
    problems.push(`${what}: never acknowledged before the deadline`);
    return false;
  };

  const acknowledged = new Set<string>();
  const ackedWebhooks = new Set<string>();
  let loadDone = false;
  const recovery = { ingest: [] as number[], routing: [] as number[] };
  const disruptions = { restarts: 0, longOutages: 0, terminations: 0, kills: 0, processKills: 0 };

  try {
    for (const port of apiPorts) spawnProc("api", port);
    for (let i = 0; i < workerCount; i++) spawnProc("worker");
    for (const port of apiPorts) await waitForHealthy(`http://127.0.0.1:${port}/v1/health`, 60_000);
    log(`${apiCount} api and ${workerCount} workers up on Postgres :${pgPort} (${Date.now() - started} ms)`);
    await sql(
      url,
      "CREATE TABLE chaos_effects (id bigserial PRIMARY KEY, run_id uuid NOT NULL, position int)",
    );

    // The disruption schedule. The load is paced to last about as long, so every disruption hits a busy system.
    const plan: Array<"restart" | "long" | "terminate" | "kill" | "killEach"> = [];
    const counts = { restart: options.restarts, long: options.longOutageMs > 0 ? 1 : 0 };
    const terminate = options.terminations;
    const kill = options.kills;
    for (let i = 0; i < Math.max(counts.restart, terminate, kill); i++) {
      if (i < counts.restart) plan.push("restart");
      if (i < kill) plan.push("kill");
      if (i < terminate) plan.push("terminate");
      if (i === 1 && counts.long) plan.push("long");
    }
    if (counts.long && !plan.includes("long")) plan.push("long");
    for (let i = 0; i < (options.processKills ?? 0); i++)
      plan.splice(Math.min(plan.length, 2 * i + 1), 0, "killEach");
    const processCount = apiCount + workerCount;
    const spanMs =
      plan.length * (options.gapMs + 1_500) +
      options.longOutageMs +
      (options.processKills ?? 0) * processCount * (options.gapMs / 2 + 3_000);
    const pace = (requests: number) => Math.max(5, Math.floor(spanMs / Math.max(1, requests)));
    const batchedIngest = async () => {
      for (let first = 0; first < options.users; first += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, options.users - first) }, (_, i) => ({
          event: "chaos.start",
          userId: `user-${first + i}`,
          userEmail: `user-${first + i}@example.com`,
          messageId: `chaos-start-${first + i}`,
        }));
        const body = JSON.stringify({ batch });
        if (
          await untilAcknowledged(
            `batch ${first}`,
            () => post("/v1/ingest", body),
            (s) => s === 202,
          )
        ) {
          for (const event of batch) acknowledged.add(event.messageId);
        }
        await sleep(pace(options.users / BATCH));
      }
    };
    const singleIngest = async () => {
      for (let i = 0; i < options.singles; i++) {
        const messageId = `chaos-ping-${i}`;
        const body = JSON.stringify({ event: "chaos.ping", userId: `pinger-${i % 50}`, messageId });
        if (
          await untilAcknowledged(
            `single ${i}`,
            () => post("/v1/ingest", body),
            (s) => s === 202,
          )
        ) {
          acknowledged.add(messageId);
        }
        await sleep(pace(options.singles));
      }
    };
    const webhooks = async () => {
      const signer = new Webhook(WEBHOOK_SECRET);
      for (let i = 0; i < options.webhooks; i++) {
        const id = `msg_chaos_${i}_${randomUUID().slice(0, 8)}`;
        const body = JSON.stringify({
          type: "email.delivered",
          created_at: new Date().toISOString(),
          data: { email_id: randomUUID(), to: [`user-${i}@example.com`], subject: "x" },
        });
        const headers = () => {
          const at = new Date();
          return {
            "svix-id": id,
            "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
            "svix-signature": signer.sign(id, at, body),
          };
        };
        const ok = await untilAcknowledged(
          `webhook ${i}`,
          () => post("/v1/webhooks/resend", body, headers()),
          (s) => s === 200,
        );
        if (ok) ackedWebhooks.add(id);
        await sleep(pace(options.webhooks));
      }
    };
    const contactImport = async () => {
      await sleep(options.gapMs);
      const rows = ["userId,email"];
      for (let i = 0; i < options.importRows; i++) rows.push(`imported-${i},imported-${i}@example.com`);
      const csv = `${rows.join("\n")}\n`;
      await untilAcknowledged(
        "contact import",
        () => post("/v1/admin/contacts/import", csv, { "Content-Type": "text/csv" }),
        (s) => s === 200,
      );
    };
    const load = Promise.all([batchedIngest(), singleIngest(), webhooks(), contactImport()]).finally(() => {
      loadDone = true;
    });

    let probe = 0;
    const measureRecovery = async (upAt: number) => {
      const id = `probe-${probe++}`;
      const body = JSON.stringify({ event: "chaos.probe", userId: id, messageId: `chaos-${id}` });
      if (
        await untilAcknowledged(
          `probe ${id}`,
          () => post("/v1/ingest", body),
          (s) => s === 202,
        )
      ) {
        acknowledged.add(`chaos-${id}`);
        recovery.ingest.push(Date.now() - upAt);
      }
      while (Date.now() < deadline) {
        const routed = await sql(url, "SELECT 1 FROM contacts WHERE user_id = $1", [id]).catch(() => []);
        if (routed.length > 0) {
          recovery.routing.push(Date.now() - upAt);
          return;
        }
        await sleep(50);
      }
    };

    for (const step of plan) {
      if (Date.now() > deadline) break;
      await sleep(options.gapMs);
      if (step === "restart" || step === "long") {
        const downMs = step === "long" ? options.longOutageMs : 1_000;
        log(`${step === "long" ? "failover" : "restart"}: Postgres down for ${downMs} ms`);
        await postgres?.stop();
        postgres = undefined;
        await sleep(downMs);
        postgres = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
        if (step === "long") disruptions.longOutages++;
        else disruptions.restarts++;
        await measureRecovery(Date.now());
        log(
          `  recovered: ingest ${recovery.ingest.at(-1)} ms, routing ${recovery.routing.at(-1)} ms after Postgres was back`,
        );
      } else if (step === "terminate") {
        const killed = await sql(
          url,
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE application_name LIKE 'hogsend%' AND pid <> pg_backend_pid()`,
        );
        disruptions.terminations++;
        log(`terminated ${killed.length} Hogsend backends`);
        await measureRecovery(Date.now());
      } else if (step === "killEach") {
        // Every process in turn, apis included, SIGKILLed under load and started again on the same port.
        for (const victim of procs.filter((p) => p.cli.child.exitCode === null)) {
          if (Date.now() > deadline) break;
          victim.killedByUs = true;
          victim.cli.child.kill("SIGKILL");
          await victim.cli.exited;
          const next = spawnProc(victim.role, victim.port);
          replace(victim, next);
          disruptions.processKills++;
          if (victim.role === "api") {
            await waitForHealthy(`http://127.0.0.1:${victim.port}/v1/health`, 60_000);
          }
          log(`SIGKILLed ${victim.role}${victim.port ? ` :${victim.port}` : ""} and started another`);
          await sleep(options.gapMs / 2);
        }
        await measureRecovery(Date.now());
      } else {
        const workers = procs.filter((p) => p.role === "worker" && p.cli.child.exitCode === null);
        const victim = workers[Math.floor(Math.random() * workers.length)];
        if (victim) {
          victim.killedByUs = true;
          victim.cli.child.kill("SIGKILL");
          await victim.cli.exited;
          replace(victim, spawnProc("worker"));
          disruptions.kills++;
          log("SIGKILLed a worker and started another");
        }
      }
    }
    await load;
    log(`load done: ${acknowledged.size} events and ${ackedWebhooks.size} webhooks acknowledged`);

    // Quiescence: nothing queued, no live run, no email waiting.
    const settleDeadline = Math.min(deadline, Date.now() + 180_000);
    for (;;) {
      const [left] = await sql<{ queued: number; live: number; mail: number }>(
        url,
        `SELECT (SELECT count(*)::int FROM event_routing_queue) AS queued,
                (SELECT count(*)::int FROM journey_runs WHERE status IN ('active', 'waiting')) AS live,
                (SELECT count(*)::int FROM messages WHERE status IN ('queued', 'sending')) AS mail`,
      ).catch(() => [undefined]);
      const runs = await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM journey_runs").catch(
        () => [],
      );
      const enrolled = runs[0]?.n ?? 0;
      if (left && left.queued === 0 && left.live === 0 && left.mail === 0 && enrolled >= options.users) break;
      if (Date.now() > settleDeadline) {
        problems.push(`did not settle: ${JSON.stringify(left)}, ${enrolled} runs`);
        break;
      }
      await sleep(250);
    }
    if (!loadDone) problems.push("load did not finish");
  } finally {
    stopping = true;
    for (const proc of procs) proc.cli.child.kill("SIGTERM");
    await Promise.race([Promise.all(procs.map((p) => p.cli.exited)), sleep(20_000)]);
    for (const proc of procs) if (proc.cli.child.exitCode === null) proc.cli.child.kill("SIGKILL");
    // Each exit handler (registered first) has added that process's output by the time this resolves.
    await Promise.all(procs.map((p) => p.cli.exited));
  }

  try {
    const ids = [...acknowledged];
    const [events] = await sql<{ stored: number; distinct: number; queued: number }>(
      url,
      `SELECT count(*)::int AS stored, count(DISTINCT message_id)::int AS distinct,
              (SELECT count(*)::int FROM event_routing_queue) AS queued
         FROM events WHERE message_id = ANY($1::text[])`,
      [ids],
    );
    const [runs] = await sql<{ total: number; completed: number; completed_events: number }>(
      url,
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'completed')::int AS completed,
              (SELECT count(*)::int FROM events WHERE event = 'journey:completed') AS completed_events
         FROM journey_runs WHERE journey_id = 'chaos'`,
    );
    const [effects] = await sql<{ rows: number; distinct: number }>(
      url,
      "SELECT count(*)::int AS rows, count(DISTINCT (run_id, position))::int AS distinct FROM chaos_effects",
    );
    const [routing] = await sql<{ skips: number; dead: number }>(
      url,
      `SELECT coalesce((SELECT sum(count)::int FROM journey_skip_counts WHERE journey_id = 'chaos'), 0) AS skips,
              (SELECT count(*)::int FROM event_routing_failures) AS dead`,
    );
    const [mail] = await sql<{ sent: number; other: number }>(
      url,
      `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
              count(*) FILTER (WHERE status <> 'sent')::int AS other FROM messages`,
    );
    const [receipts] = await sql<{ n: number }>(
      url,
      "SELECT count(*)::int AS n FROM webhook_receipts WHERE delivery_id = ANY($1::text[])",
      [[...ackedWebhooks]],
    );
    const [imported] = await sql<{ n: number }>(
      url,
      "SELECT count(*)::int AS n FROM contacts WHERE user_id LIKE 'imported-%'",
    );
    const logLines = allOutput.split("\n");
    const report: ChaosReport = {
      durationMs: Date.now() - started,
      disruptions,
      crashes,
      recoveryMs: recovery,
      events: {
        acknowledged: ids.length,
        stored: events?.stored ?? 0,
        distinct: events?.distinct ?? 0,
        queuedLeft: events?.queued ?? 0,
      },
      runs: {
        expected: options.users,
        total: runs?.total ?? 0,
        completed: runs?.completed ?? 0,
        other: (runs?.total ?? 0) - (runs?.completed ?? 0),
        completedEvents: runs?.completed_events ?? 0,
      },
      effects: { rows: effects?.rows ?? 0, distinct: effects?.distinct ?? 0, expected: options.users * 2 },
      routing: { enrollmentSkips: routing?.skips ?? 0, deadLetters: routing?.dead ?? 0 },
      emails: {
        expected: options.users * 2,
        sent: mail?.sent ?? 0,
        notSent: mail?.other ?? 0,
        providerAccepted: resend.accepted.length,
        providerDuplicateContents: resend.duplicateContents(),
        providerRetriedKeys: resend.retriedKeys(),
      },
      webhooks: { acknowledged: ackedWebhooks.size, receipts: receipts?.n ?? 0 },
      imports: { rows: options.importRows, found: imported?.n ?? 0 },
      logs: {
        outagesLogged: logLines.filter((line) => line.includes("database connection lost")).length,
        recoveriesLogged: logLines.filter((line) => line.includes("database reachable again")).length,
        lines: logLines.filter((line) =>
          /database (connection lost|reachable again|unreachable for)/.test(line),
        ),
      },
      problems,
    };
    problems.push(...accountingProblems(report));
    return report;
  } finally {
    await resend.stop();
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Everything that must hold exactly; an empty list is a clean run. */
function accountingProblems(r: ChaosReport): string[] {
  const out: string[] = [];
  const expect = (ok: boolean, message: string) => {
    if (!ok) out.push(message);
  };
  expect(r.crashes.api + r.crashes.worker === 0, `${r.crashes.api + r.crashes.worker} process crash(es)`);
  expect(
    r.events.stored === r.events.acknowledged,
    `${r.events.acknowledged} acked, ${r.events.stored} stored`,
  );
  expect(r.events.distinct === r.events.stored, `${r.events.stored - r.events.distinct} duplicated events`);
  expect(r.events.queuedLeft === 0, `${r.events.queuedLeft} events never routed`);
  expect(
    r.routing.enrollmentSkips === 0,
    `${r.routing.enrollmentSkips} enrollment skips (an event routed twice)`,
  );
  expect(r.routing.deadLetters === 0, `${r.routing.deadLetters} events moved to dead letters`);
  expect(r.runs.total === r.runs.expected, `${r.runs.total} runs for ${r.runs.expected} users`);
  expect(r.runs.completed === r.runs.expected, `${r.runs.other} runs not completed`);
  expect(r.runs.completedEvents === r.runs.expected, `${r.runs.completedEvents} journey:completed events`);
  expect(
    r.effects.rows === r.effects.expected && r.effects.distinct === r.effects.rows,
    `effects: ${r.effects.rows} rows, ${r.effects.distinct} distinct, ${r.effects.expected} expected`,
  );
  expect(r.emails.sent === r.emails.expected, `${r.emails.sent} of ${r.emails.expected} emails sent`);
  expect(r.emails.notSent === 0, `${r.emails.notSent} messages not sent`);
  expect(r.emails.providerAccepted === r.emails.expected, `provider accepted ${r.emails.providerAccepted}`);
  expect(r.emails.providerDuplicateContents === 0, `${r.emails.providerDuplicateContents} duplicate emails`);
  expect(r.webhooks.receipts === r.webhooks.acknowledged, "webhook receipts differ from acknowledged");
  expect(r.imports.found === r.imports.rows, `${r.imports.found} of ${r.imports.rows} contacts imported`);
  return out;
}

async function sql<R extends pg.QueryResultRow>(url: string, text: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, application_name: "chaos-check" });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

let serial = 0;
const labels = new WeakMap<Proc, string>();
/** A process's output with each line prefixed by its role and number, so log counts can be told apart. */
function labelled(proc: Proc): string {
  let label = labels.get(proc);
  if (!label) {
    label = `${proc.role}#${++serial}`;
    labels.set(proc, label);
  }
  return proc.cli
    .output()
    .split("\n")
    .map((line) => `${label} ${line}`)
    .join("\n");
}

function tail(output: string): string {
  return output.split("\n").slice(-15).join("\n");
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
