/**
 * `npm run bench:email [-- --messages N --soak-users N]`
 *
 * Email delivery throughput through the outbox, on an embedded Postgres in a temp dir (or DATABASE_URL):
 *  - template render time (uncached and through the delivery loop's render cache);
 *  - baseline: the Resend SDK calling a local Resend-compatible server with 50 ms latency directly, no outbox,
 *    at the same concurrencies (the ceiling the outbox can approach);
 *  - outbox -> that server at several concurrencies, and outbox -> the capture provider;
 *  - the exactly-once soak: journey emails sent by worker processes that are SIGKILLed midway and restarted,
 *    with the server counting by idempotency key and by content (default 5,000 users x 2 = 10,000 emails).
 * Every load loop is bounded in count and time; every target is loopback.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { templates as exampleTemplateList } from "../examples/emails/index.js";
import { loadConfig } from "../src/config.js";
import { createDatabase, type Database } from "../src/db/database.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { startEmailDelivery } from "../src/email/outbox/email-delivery.js";
import { createCaptureProvider } from "../src/email/providers/capture-provider.js";
import type { EmailProvider } from "../src/email/providers/email-provider.js";
import { createResendProvider } from "../src/email/providers/resend-provider.js";
import { createRenderTemplate, createTemplateRenderer } from "../src/email/templates/render-template.js";
import { createTemplateRegistry } from "../src/email/templates/template-registry.js";
import { freePort } from "../src/lib/free-port.js";
import { createLogger } from "../src/lib/logger.js";
import { runEmailSoak } from "../test/helpers/email-soak.js";
import { FakeResendServer } from "../test/helpers/fake-resend-server.js";

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  // --soak-only skips the throughput tables (the soak alone takes minutes on a busy machine).
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
const MESSAGES = arg("messages", 5_000);
const SOAK_USERS = arg("soak-users", 5_000);
// --soak-only skips render times and throughput tables (the soak alone takes minutes on a busy machine).
const SOAK_ONLY = process.argv.includes("--soak-only");
const LATENCY_MS = 50;
const SCENARIO_TIMEOUT_MS = 120_000;
const logger = createLogger({ level: "error", pretty: false });
const say = (line: string) => process.stdout.write(`${line}\n`);
const templates = createTemplateRegistry(exampleTemplateList);
const renderTemplate = createRenderTemplate(templates);

async function main() {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-email-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    baseUrl = embedded.url;
  }
  try {
    if (!SOAK_ONLY) await throughputTables(baseUrl);
    await exactlyOnceSoak(baseUrl);
  } finally {
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

async function throughputTables(baseUrl: string): Promise<void> {
  await renderTimes();
  const db = await freshDatabase(baseUrl, "bench_email_outbox");
  const server = await new FakeResendServer({ latencyMs: LATENCY_MS }).start();
  const table: Array<{
    scenario: string;
    concurrency: number;
    perSec: number;
    baseline?: number;
    note?: string;
  }> = [];
  for (const concurrency of [10, 50, 100]) {
    const baseline = await directSends(server, concurrency, Math.min(MESSAGES, concurrency * 40));
    const outbox = await throughOutbox(db.db, db.url, resendProvider(server), concurrency, MESSAGES, "same");
    table.push({
      scenario: `outbox -> resend (${LATENCY_MS} ms)`,
      concurrency,
      perSec: outbox.perSec,
      baseline,
      note: outbox.note,
    });
  }
  const unique = await throughOutbox(db.db, db.url, resendProvider(server), 100, MESSAGES, "unique");
  table.push({
    scenario: `outbox -> resend, unique props (render-bound)`,
    concurrency: 100,
    perSec: unique.perSec,
    note: unique.note,
  });
  for (const concurrency of [10, 50]) {
    const capture = await throughOutbox(
      db.db,
      db.url,
      createCaptureProvider(db.db),
      concurrency,
      MESSAGES,
      "same",
    );
    table.push({
      scenario: "outbox -> capture (Postgres)",
      concurrency,
      perSec: capture.perSec,
      note: capture.note,
    });
  }
  await server.stop();
  await db.db.close();

  say("\nThroughput (emails/s; baseline = the same SDK calling the same server directly, no outbox)");
  say(
    `${"scenario".padEnd(48)} ${"conc".padStart(5)} ${"emails/s".padStart(9)} ${"baseline".padStart(9)} ${"ratio".padStart(6)}  note`,
  );
  for (const row of table) {
    const ratio = row.baseline ? (row.perSec / row.baseline).toFixed(2) : "";
    say(
      `${row.scenario.padEnd(48)} ${String(row.concurrency).padStart(5)} ${row.perSec.toFixed(0).padStart(9)} ${
        row.baseline ? row.baseline.toFixed(0).padStart(9) : "".padStart(9)
      } ${ratio.padStart(6)}  ${row.note ?? ""}`,
    );
  }
}

async function exactlyOnceSoak(baseUrl: string): Promise<void> {
  say(
    `\nExactly-once soak: ${SOAK_USERS} users x 2 journey emails, 3 workers SIGKILLed midway and restarted`,
  );
  const soakDb = await freshDatabase(baseUrl, "bench_email_soak");
  const soakServer = await new FakeResendServer({ latencyMs: LATENCY_MS }).start();
  const result = await runEmailSoak({
    db: soakDb.db,
    databaseUrl: soakDb.url,
    resend: soakServer,
    users: SOAK_USERS,
    workers: 3,
    chaosMs: 20_000,
    minKills: 4,
    killEveryMs: [2_000, 4_000],
    drainTimeoutMs: 300_000,
    log: (line) => say(`  ${line}`),
  });
  say(JSON.stringify(result, null, 2));
  const ok =
    result.accepted === result.expected &&
    result.distinctAcceptedKeys === result.expected &&
    result.duplicateContents === 0 &&
    result.messages.sent === result.expected;
  say(
    `${ok ? "EXACTLY ONCE" : "MISMATCH"}: ${result.accepted} accepted of ${result.expected}, ` +
      `${result.duplicateContents} duplicate contents, ${result.retriedKeys} keys retried after kills (deduplicated ` +
      `by Idempotency-Key), ${result.kills} SIGKILLs, ${(result.expected / (result.elapsedMs / 1000)).toFixed(0)} emails/s overall`,
  );
  await soakServer.stop();
  await soakDb.db.close();
}

function resendProvider(server: FakeResendServer): EmailProvider {
  return createResendProvider({ apiKey: server.apiKey, baseUrl: server.baseUrl, timeoutMs: 10_000 });
}

async function renderTimes(): Promise<void> {
  say("Template render time (React Email -> HTML + text)");
  const cached = createTemplateRenderer(templates);
  for (const template of templates.list()) {
    for (let i = 0; i < 20; i++)
      await renderTemplate(template.key, { ...(template.previewProps as object), firstName: `w${i}` });
    const n = 100;
    let t0 = performance.now();
    for (let i = 0; i < n; i++)
      await renderTemplate(template.key, { ...(template.previewProps as object), firstName: `s${i}` });
    const uncached = (performance.now() - t0) / n;
    t0 = performance.now();
    for (let i = 0; i < n; i++) await cached(template.key, template.previewProps);
    const hit = (performance.now() - t0) / n;
    say(
      `  ${template.key.padEnd(28)} ${uncached.toFixed(2)} ms uncached, ${(hit * 1000).toFixed(1)} us cached`,
    );
  }
}

/** Baseline: the provider adapter alone, `concurrency` calls in flight, no database. */
async function directSends(server: FakeResendServer, concurrency: number, count: number): Promise<number> {
  const provider = resendProvider(server);
  let next = 0;
  const t0 = performance.now();
  const deadline = Date.now() + SCENARIO_TIMEOUT_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && Date.now() < deadline) {
        const i = next++;
        await provider.send({
          messageId: `00000000-0000-4000-9000-${String(i + concurrency * 1_000_000).padStart(12, "0")}`,
          from: "bench@example.com",
          to: `direct${i}@example.com`,
          subject: `direct ${concurrency} ${i}`,
          html: "<p>hi</p>",
          text: "hi",
          headers: {},
        });
      }
    }),
  );
  return next / ((performance.now() - t0) / 1000);
}

async function throughOutbox(
  db: Database,
  url: string,
  provider: EmailProvider,
  concurrency: number,
  count: number,
  props: "same" | "unique",
): Promise<{ perSec: number; note: string }> {
  await db.query("TRUNCATE messages, captured_emails CASCADE");
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: url,
    EMAIL_PROVIDER: "capture",
    EMAIL_RATE_LIMIT_PER_SECOND: "0",
    EMAIL_CONCURRENCY: String(concurrency),
    EMAIL_SEND_TIMEOUT_MS: "10000",
    HOGSEND_LEASE_SECONDS: "30",
    HOGSEND_POLL_INTERVAL_MS: "1000",
  });
  // Queued in bulk first: this measures delivery, not enqueueing.
  await db.query(
    `INSERT INTO messages (to_email, user_id, template, subject, category, props)
     SELECT 'bench' || i || '@example.com', 'bench-' || i, 'activation/welcome', 'Welcome ' || i, 'product',
            CASE WHEN $2 THEN jsonb_build_object('firstName', 'User ' || i) ELSE '{}'::jsonb END
       FROM generate_series(1, $1) AS i`,
    [count, props === "unique"],
  );
  const t0 = performance.now();
  const delivery = await startEmailDelivery({ db, config, logger, provider, templates });
  const deadline = Date.now() + SCENARIO_TIMEOUT_MS;
  let done = 0;
  while (Date.now() < deadline) {
    const result = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM messages WHERE status = 'sent'",
    );
    done = result.rows[0]?.n ?? 0;
    if (done >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  await delivery.stop(5_000);
  const stats = delivery.stats();
  return {
    perSec: done / seconds,
    note: `${done}/${count} sent in ${seconds.toFixed(1)} s${stats.retried ? `, ${stats.retried} retries` : ""}`,
  };
}

async function freshDatabase(baseUrl: string, name: string): Promise<{ db: Database; url: string }> {
  const admin = createDatabase(baseUrl, { max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.close();
  const parsed = new URL(baseUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  await migrate(url);
  return { db: createDatabase(url, { max: 10 }), url };
}

await main();
process.exit(0);
