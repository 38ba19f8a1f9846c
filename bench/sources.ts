/**
 * `npm run bench -- sources [--events N] [--concurrency N] [--facts N]`  (also `npm run bench:sources`)
 *
 * Sources in and engagement out, on an embedded Postgres in a temp dir (or DATABASE_URL), through the real HTTP
 * server (startApiServer on loopback):
 *   - baseline: `POST /v1/ingest` of N single events (the ordinary path), then routing them (routeBatch over all
 *     partitions with the example journeys) — measured in the same run;
 *   - N signed PostHog deliveries (Standard Webhooks, one event each) through verify → store receipt → dedupe →
 *     map → insertEvents, then routing them; the same for N Stripe deliveries (stripe-signature);
 *   - outbound: F facts through the sync outbox to a local PostHog-compatible server answering after 50 ms, with
 *     the real posthog-node SDK (gzip batches of 500);
 *   - a kill run: F facts, a `hogsend worker` SIGKILLed once its first batch was accepted, a second worker drains
 *     the rest; reports lost (must be 0) and distinct uuids at the receiver (must equal F), and redelivered arrivals.
 * Figures and ratios, not a timed test. Bounded: every loop is count-limited, the run stops after 10 minutes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Stripe from "stripe";
import { Webhook } from "svix";
import { createApp, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { Database } from "../src/db/database.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { defineJourney, hours } from "../src/index.js";
import { routeBatch } from "../src/journeys/event-router.js";
import { createJourneyRegistry } from "../src/journeys/journey-registry.js";
import { endRuns } from "../src/journeys/journey-store.js";
import { PARTITION_COUNT } from "../src/journeys/routing-partitions.js";
import { insertNewRuns, type NewRun } from "../src/journeys/routing-store.js";
import { systemClock } from "../src/lib/clock.js";
import { freePort } from "../src/lib/free-port.js";
import { createLogger } from "../src/lib/logger.js";
import { createSyncDelivery } from "../src/sync/sync-delivery.js";
import { FakePostHogServer } from "../test/helpers/fake-posthog-server.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(ROOT, "bin/hogsend.mjs");
const JOURNEYS = path.join(ROOT, "examples/journeys/index.ts");
const DEADLINE = Date.now() + 10 * 60_000;
const API_KEY = "bench-sources-admin-key-0123456789abcd";
const POSTHOG_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const STRIPE_SECRET = "whsec_bench_stripe_secret_0123456789";

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}
const EVENTS = arg("events", 2000);
const CONCURRENCY = arg("concurrency", 16);
const FACTS = arg("facts", 5000);
const say = (line: string) => process.stdout.write(`${line}\n`);
const stripe = new Stripe("sk_bench_unused");
const ALL = Array.from({ length: PARTITION_COUNT }, (_, i) => i);

async function main() {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-sources-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    url = embedded.url;
  }
  const children: ChildProcess[] = [];
  try {
    await migrate(url);
    const config = loadConfig({
      NODE_ENV: "test",
      DATABASE_URL: url,
      HOGSEND_API_KEY: API_KEY,
      HOGSEND_INGEST_RATE_LIMIT: "0",
      POSTHOG_WEBHOOK_SECRET: POSTHOG_SECRET,
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    });
    const app = await createApp(config, { logger: createLogger({ level: "silent", pretty: false }) });
    const server = await startApiServer(app, 0);
    const base = `http://127.0.0.1:${server.port}`;
    // Routing only (no executor here): the churn-prevention trigger and exits, without its emails.
    const registry = createJourneyRegistry([
      defineJourney({
        meta: {
          id: "bench-churn",
          name: "Bench churn",
          enabled: true,
          trigger: { event: "payment.failed" },
          entryLimit: "unlimited",
          suppress: hours(0),
          exitOn: [{ event: "payment.succeeded" }],
        },
        run: async () => {},
      }),
    ]);
    say(
      `sources bench: ${EVENTS} deliveries per source at concurrency ${CONCURRENCY}, ${FACTS} outbound facts`,
    );

    const ingest = await drive(EVENTS, (i) => ({
      url: `${base}/v1/ingest`,
      body: JSON.stringify({
        event: "payment.failed",
        userId: `ingest-${i}`,
        userEmail: `ingest-${i}@example.com`,
        properties: { amount: 4900 },
        messageId: randomUUID(),
      }),
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      ok: 202,
    }));
    const ingestRoute = await routeAll(app.db, registry);

    const posthog = await drive(EVENTS, (i) => {
      const body = JSON.stringify({
        event: {
          uuid: randomUUID(),
          event: "payment.failed",
          distinct_id: `ph-${i}`,
          properties: { amount: 4900 },
          timestamp: new Date().toISOString(),
        },
        person: { properties: { email: `ph-${i}@example.com` } },
      });
      const id = `msg_${randomUUID()}`;
      const at = new Date();
      return {
        url: `${base}/v1/sources/posthog`,
        body,
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          "webhook-signature": new Webhook(POSTHOG_SECRET).sign(id, at, body),
        },
        ok: 200,
      };
    });
    const posthogRoute = await routeAll(app.db, registry);

    const stripeRun = await drive(EVENTS, (i) => {
      const body = JSON.stringify({
        id: `evt_${randomBytes(10).toString("hex")}`,
        object: "event",
        type: "invoice.payment_failed",
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: `in_${randomBytes(8).toString("hex")}`,
            object: "invoice",
            customer: `cus_${randomBytes(8).toString("hex")}`,
            metadata: { userId: `stripe-${i}` },
            customer_email: `stripe-${i}@example.com`,
            amount_due: 4900,
            currency: "usd",
            attempt_count: 1,
          },
        },
      });
      return {
        url: `${base}/v1/sources/stripe`,
        body,
        headers: {
          "content-type": "application/json",
          "stripe-signature": stripe.webhooks.generateTestHeaderString({
            payload: body,
            secret: STRIPE_SECRET,
          }),
        },
        ok: 200,
      };
    });
    const stripeRoute = await routeAll(app.db, registry);
    await server.close();

    say("");
    say(
      "inbound (accepted = answered 2xx after commit; routed = routeBatch drained the queue into a churn journey)",
    );
    const line = (name: string, d: Driven, r: Routed, baseline?: Driven) =>
      say(
        `  ${name.padEnd(34)} ${d.perSec.toFixed(0).padStart(7)}/s accepted  p50 ${d.p50.toFixed(1)} ms  p99 ${d.p99.toFixed(1)} ms` +
          `  routed ${r.perSec.toFixed(0).padStart(6)}/s (${r.events} events, ${r.enrolled} enrolled)` +
          (baseline ? `  = ${((d.perSec / baseline.perSec) * 100).toFixed(0)}% of ingest` : ""),
      );
    line("baseline POST /v1/ingest", ingest, ingestRoute);
    line("PostHog signed deliveries", posthog, posthogRoute, ingest);
    line("Stripe signed deliveries", stripeRun, stripeRoute, ingest);

    await measureTriggerCost(app.db);

    // Outbound: FACTS facts to a PostHog-compatible server with 50 ms latency.
    const receiver = await new FakePostHogServer({ latencyMs: 50 }).start();
    await seedFacts(app.db, FACTS, "out");
    const delivery = createSyncDelivery({
      db: app.db,
      clock: systemClock,
      logger: app.logger,
      posthog: { apiKey: receiver.apiKey, host: receiver.baseUrl },
    });
    const started = performance.now();
    const delivered = await delivery.deliverDue();
    const seconds = (performance.now() - started) / 1000;
    const tally = receiver.tally();
    say("");
    say("outbound (sync outbox → posthog-node → local capture server, 50 ms per request, batches of 500)");
    say(
      `  ${delivered} facts in ${seconds.toFixed(2)} s = ${(delivered / seconds).toFixed(0)} events/s; ` +
        `received ${tally.unique} unique, ${tally.duplicates} duplicates`,
    );
    await receiver.stop();

    // Kill run.
    const killReceiver = await new FakePostHogServer({ latencyMs: 50 }).start();
    await app.db.query("DELETE FROM sync_outbox");
    const expected = await seedFacts(app.db, FACTS, "kill");
    const env = {
      ...process.env,
      NODE_ENV: "test",
      DATABASE_URL: url,
      POSTHOG_API_KEY: killReceiver.apiKey,
      POSTHOG_HOST: killReceiver.baseUrl,
      HOGSEND_LEASE_SECONDS: "2",
      HOGSEND_POLL_INTERVAL_MS: "200",
      LOG_LEVEL: "warn",
    };
    const first = spawn(process.execPath, [CLI, "worker", "--journeys", JOURNEYS], { env, stdio: "ignore" });
    children.push(first);
    await until(() => killReceiver.received.length >= Math.min(500, FACTS / 2), 120_000);
    first.kill("SIGKILL");
    const atKill = killReceiver.received.length;
    const second = spawn(process.execPath, [CLI, "worker", "--journeys", JOURNEYS], { env, stdio: "ignore" });
    children.push(second);
    await until(
      async () => ((await app.db.query("SELECT 1 FROM sync_outbox LIMIT 1")).rowCount ?? 0) === 0,
      180_000,
    );
    second.kill("SIGTERM");
    const got = new Set(killReceiver.received.map((e) => e.uuid));
    const lost = expected.filter((id) => !got.has(id)).length;
    const k = killReceiver.tally();
    say("");
    say("kill run (worker SIGKILLed after its first accepted batch; a second worker drains the outbox)");
    say(
      `  ${FACTS} facts: ${atKill} received before the kill; lost ${lost}; distinct uuids ${k.unique} ` +
        `(${k.unique === FACTS ? "= facts" : "MISMATCH"}); redelivered arrivals ${k.duplicates} (same uuid, deduped by PostHog)`,
    );
    await killReceiver.stop();
    await app.close();
    if (lost > 0 || k.unique !== FACTS) process.exitCode = 1;
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * What the fact triggers (migration 0076) cost the journey engine's set-based statements: 1,000-run inserts (the
 * router's insertNewRuns) and 1,000-run exits (endRuns) with the triggers disabled (the baseline), enabled with no
 * destination, and enabled with one destination (an outbox row per fact).
 */
async function measureTriggerCost(db: Database): Promise<void> {
  const ROUNDS = Math.max(5, Math.min(40, Math.floor(EVENTS / 50)));
  const at = new Date();
  const run = async (label: string) => {
    let insertMs = 0;
    let exitMs = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const runs: NewRun[] = Array.from({ length: 1000 }, (_, i) => ({
        id: randomUUID(),
        journeyId: "bench-trigger",
        userId: `trig-${label}-${r}-${i}`,
        userEmail: null,
        properties: {},
        triggerEventId: 1,
        exitEventId: null,
        heldOut: false,
        once: false,
      }));
      let t0 = performance.now();
      await insertNewRuns(db, runs, at);
      insertMs += performance.now() - t0;
      t0 = performance.now();
      await endRuns(
        db,
        "exited",
        runs.map((x) => ({ id: x.id })),
        at,
      );
      exitMs += performance.now() - t0;
    }
    return { insert: (ROUNDS * 1000) / (insertMs / 1000), exit: (ROUNDS * 1000) / (exitMs / 1000) };
  };
  await db.query(
    "ALTER TABLE journey_runs DISABLE TRIGGER sync_runs_inserted, DISABLE TRIGGER sync_run_ended",
  );
  const off = await run("off");
  await db.query("ALTER TABLE journey_runs ENABLE TRIGGER sync_runs_inserted, ENABLE TRIGGER sync_run_ended");
  await db.query("UPDATE sync_destinations SET enabled = false");
  const idle = await run("idle");
  await db.query(
    "INSERT INTO sync_destinations (id, kind, enabled) VALUES ('posthog', 'posthog', true) ON CONFLICT (id) DO UPDATE SET enabled = true",
  );
  const on = await run("on");
  await db.query("DELETE FROM sync_outbox");
  say("");
  say("fact triggers on journey_runs (1,000-run statements; rows/s)");
  const fmt = (x: { insert: number; exit: number }) =>
    `insert ${x.insert.toFixed(0).padStart(7)}/s (${((x.insert / off.insert) * 100).toFixed(0)}%)  exit ${x.exit.toFixed(0).padStart(7)}/s (${((x.exit / off.exit) * 100).toFixed(0)}%)`;
  say(`  baseline: triggers disabled         ${fmt(off)}`);
  say(`  triggers, no destination enabled    ${fmt(idle)}`);
  say(`  triggers, one destination           ${fmt(on)}`);
}

interface Driven {
  perSec: number;
  p50: number;
  p99: number;
}

async function drive(
  count: number,
  make: (i: number) => { url: string; body: string; headers: Record<string, string>; ok: number },
): Promise<Driven> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      if (Date.now() > DEADLINE) throw new Error("bench deadline passed");
      const request = make(i);
      const t0 = performance.now();
      const res = await fetch(request.url, { method: "POST", body: request.body, headers: request.headers });
      const text = await res.text();
      if (res.status !== request.ok) throw new Error(`${request.url} answered ${res.status}: ${text}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { perSec: count / seconds, p50: pct(0.5), p99: pct(0.99) };
}

interface Routed {
  perSec: number;
  events: number;
  enrolled: number;
}

async function routeAll(db: Database, registry: ReturnType<typeof createJourneyRegistry>): Promise<Routed> {
  const started = performance.now();
  let events = 0;
  let enrolled = 0;
  for (let round = 0; round < 100_000; round++) {
    const result = await routeBatch({ db, clock: systemClock, registry }, ALL, 1000);
    if (result.events === 0) break;
    events += result.events;
    enrolled += result.enrolled;
  }
  return { perSec: events / ((performance.now() - started) / 1000), events, enrolled };
}

/** FACTS unsubscribes in one statement: the trigger writes one email.unsubscribed outbox row each. */
async function seedFacts(db: Database, count: number, prefix: string): Promise<string[]> {
  await db.query(
    "INSERT INTO sync_destinations (id, kind, enabled) VALUES ('posthog', 'posthog', true) ON CONFLICT (id) DO UPDATE SET enabled = true",
  );
  await db.query(
    `INSERT INTO contacts (user_id, email) SELECT $2 || '-' || i, $2 || '-' || i || '@example.com'
       FROM generate_series(1, $1) AS i`,
    [count, prefix],
  );
  await db.query("UPDATE contacts SET unsubscribed_at = now() WHERE user_id LIKE $1", [`${prefix}-%`]);
  const ids = await db.query<{ id: string }>(
    `SELECT hogsend_fact_id('email.unsubscribed', user_id || ':' || unsubscribed_at::text)::text AS id
       FROM contacts WHERE user_id LIKE $1`,
    [`${prefix}-%`],
  );
  return ids.rows.map((r) => r.id);
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Math.min(Date.now() + timeoutMs, DEADLINE);
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
