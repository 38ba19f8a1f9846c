/**
 * `npm run bench:email-policy [-- --requests N --concurrency N]`
 *
 * Email policy request rates through the real HTTP server (startApiServer on a loopback port) on an embedded
 * Postgres in a temp dir (or DATABASE_URL):
 *  - baseline: an unsigned webhook answered 401 (HTTP, routing, body read, signature check; no database) at the
 *    same concurrency, so each ratio shows what the database work of that request costs;
 *  - Svix-signed Resend webhooks (`email.delivered`, each a new svix-id matched to a message) -> message event,
 *    event-store write and receipt in one transaction;
 *  - Resend hard bounces -> the same plus a suppression;
 *  - RFC 8058 one-click unsubscribes (`POST /u/:token`);
 *  - the click redirect (`GET /t/c/:token`);
 *  - checkDeliverability, called directly (the delivery loop's per-email check).
 * Every loop is bounded in count and in time; every target is loopback.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Webhook } from "svix";
import { createApp, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createDatabase } from "../src/db/database.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { checkDeliverability } from "../src/email/suppression/check-deliverability.js";
import { createClickToken } from "../src/email/tracking/tracking-token.js";
import { createUnsubscribeToken } from "../src/email/unsubscribe/unsubscribe-token.js";
import { freePort } from "../src/lib/free-port.js";

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
const REQUESTS = arg("requests", 3_000);
const CONCURRENCY = arg("concurrency", 20);
const SCENARIO_TIMEOUT_MS = 60_000;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Runs `count` requests with `concurrency` in flight; stops early at the time limit. Returns requests/s. */
async function load(
  count: number,
  concurrency: number,
  request: (i: number) => Promise<Response>,
  expectStatus: number,
): Promise<{ perSec: number; done: number; errors: number }> {
  let next = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + SCENARIO_TIMEOUT_MS;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const res = await request(i);
      await res.arrayBuffer();
      if (res.status === expectStatus) done++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { perSec: Math.round(done / seconds), done, errors };
}

async function main() {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-policy-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    baseUrl = embedded.url;
  }
  const admin = createDatabase(baseUrl, { max: 1 });
  await admin.query("DROP DATABASE IF EXISTS bench_email_policy WITH (FORCE)");
  await admin.query("CREATE DATABASE bench_email_policy");
  await admin.close();
  const parsed = new URL(baseUrl);
  parsed.pathname = "/bench_email_policy";
  const url = parsed.toString();
  await migrate(url);

  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const config = loadConfig({
    NODE_ENV: "test",
    RESEND_WEBHOOK_SECRET: secret,
    HOGSEND_DB_POOL_SIZE: String(Math.max(10, CONCURRENCY)),
  });
  const app = await createApp(config, { databaseUrl: url });
  const server = await startApiServer(app, 0);
  const base = `http://127.0.0.1:${server.port}`;
  try {
    // Fixture: one contact and one sent message per request.
    const ids = await app.db.query<{ id: string; user_id: string; to_email: string }>(
      `WITH c AS (
         INSERT INTO contacts (user_id, email)
         SELECT 'u' || i, 'u' || i || '@example.com' FROM generate_series(1, $1) AS i RETURNING user_id, email
       )
       INSERT INTO messages (user_id, to_email, template, subject, category, status, provider_message_id, sent_at)
       SELECT user_id, email, 'conversion-winback-offer', 'Hi', 'marketing', 'sent', 're_' || user_id, now() FROM c
       RETURNING id, user_id, to_email`,
      [REQUESTS],
    );
    const messages = ids.rows;
    const signer = new Webhook(secret);
    const resendRequest = (type: string, i: number) => {
      const m = messages[i % messages.length]!;
      const body = JSON.stringify({
        type,
        created_at: new Date().toISOString(),
        data: {
          email_id: `re_${m.user_id}`,
          to: [m.to_email],
          subject: "Hi",
          ...(type === "email.bounced"
            ? { bounce: { type: "Permanent", subType: "General", message: "No such user" } }
            : {}),
        },
      });
      const id = `msg_${randomUUID()}`;
      const now = new Date();
      return fetch(`${base}/v1/webhooks/resend`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "svix-id": id,
          "svix-timestamp": String(Math.floor(now.getTime() / 1000)),
          "svix-signature": signer.sign(id, now, body),
        },
      });
    };
    const linkSecret = config.email.linkSecrets[0]!;

    say(`email policy benchmark: ${REQUESTS} requests per scenario, ${CONCURRENCY} in flight, loopback HTTP`);
    const baseline = await load(
      REQUESTS,
      CONCURRENCY,
      () => fetch(`${base}/v1/webhooks/resend`, { method: "POST", body: '{"type":"email.delivered"}' }),
      401,
    );
    const rows: Array<[string, { perSec: number; done: number; errors: number }]> = [
      ["unsigned webhook 401 (baseline)", baseline],
      [
        "Resend webhook, delivered",
        await load(REQUESTS, CONCURRENCY, (i) => resendRequest("email.delivered", i), 200),
      ],
      [
        "Resend webhook, hard bounce",
        await load(REQUESTS, CONCURRENCY, (i) => resendRequest("email.bounced", i), 200),
      ],
      [
        "one-click unsubscribe POST",
        await load(
          REQUESTS,
          CONCURRENCY,
          (i) => {
            const m = messages[i % messages.length]!;
            const token = createUnsubscribeToken(
              { userId: m.user_id, email: m.to_email, category: "marketing" },
              linkSecret,
            );
            return fetch(`${base}/u/${token}`, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded" },
              body: "List-Unsubscribe=One-Click",
            });
          },
          200,
        ),
      ],
      [
        "click redirect GET",
        await load(
          REQUESTS,
          CONCURRENCY,
          (i) => {
            const m = messages[i % messages.length]!;
            const token = createClickToken(m.id, `https://example.com/p/${i}`, linkSecret);
            return fetch(`${base}/t/c/${token}`, { redirect: "manual" });
          },
          302,
        ),
      ],
    ];
    for (const [name, r] of rows) {
      const ratio = (r.perSec / baseline.perSec).toFixed(2);
      say(
        `  ${name.padEnd(30)} ${String(r.perSec).padStart(7)} req/s  (${ratio}x baseline; ${r.done} ok, ${r.errors} errors)`,
      );
    }

    const checks = Math.min(REQUESTS, 5_000);
    const started = performance.now();
    let done = 0;
    let cursor = 0;
    const deadline = started + SCENARIO_TIMEOUT_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (cursor < checks && performance.now() < deadline) {
          const m = messages[cursor++ % messages.length]!;
          await checkDeliverability(app.db, { email: m.to_email, userId: m.user_id, category: "product" });
          done++;
        }
      }),
    );
    const perSec = Math.round(done / ((performance.now() - started) / 1000));
    say(`  ${"checkDeliverability (direct)".padEnd(30)} ${String(perSec).padStart(7)} checks/s`);
    const counts = await app.db.query<{ suppressions: number; events: number; message_events: number }>(
      `SELECT (SELECT count(*)::int FROM suppressions) AS suppressions, (SELECT count(*)::int FROM events) AS events,
              (SELECT count(*)::int FROM message_events) AS message_events`,
    );
    say(`  rows written: ${JSON.stringify(counts.rows[0])}`);
  } finally {
    await server.close();
    await app.close();
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
