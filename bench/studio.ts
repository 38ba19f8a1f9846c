/**
 * `npm run bench -- studio [--scale S] [--repeat N]` (also `npm run bench:studio -- …`)
 *
 * Studio's endpoints at a real size. Seeds, by SQL (generate_series, in chunks), scale × (1,000,000 contacts,
 * 10,000,000 events, 1,000,000 journey runs of which 100,000 sleeping, 1,000,000 messages with their delivery
 * events) into an embedded Postgres in a temp dir (or DATABASE_URL), then starts a real `hogsend api` child on
 * loopback and times every endpoint Studio calls over real HTTP: p50/p95 over `--repeat` calls each, against the
 * goal p95 < 150 ms. The baseline, measured in the same run, is `GET /v1/health` (the HTTP + auth-free floor).
 *
 * The seed goes through the same statement triggers that keep Studio's counters in production (no shortcut),
 * then VACUUM ANALYZE (autovacuum's steady state) and a fold of the counters (what the worker does every 5 s).
 *
 * Page render timing in Chromium (first render of each Studio page, goal interactive < 1.5 s) is the second
 * part: `--pages` runs it on the built Studio (`npm run build:studio`; see `timePages`).
 *
 * `--scale 0.01` is a quick run (10,000 contacts …); the default 1 is the full size (minutes of seeding).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "../src/db/database.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { foldEmailCounters } from "../src/email/outbox/email-counter-store.js";
import { foldJourneyCounters } from "../src/journeys/journey-counter-store.js";
import { freePort } from "../src/lib/free-port.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(ROOT, "bin/hogsend.mjs");
const CONFIG = path.join(ROOT, "examples/hogsend.config.ts");
const ADMIN_KEY = "bench-studio-admin-key-0123456789abcdef";
const GOAL_P95_MS = 150;
const GOAL_PAGE_MS = 1_500;

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
const SCALE = arg("scale", 1);
const REPEAT = Math.round(arg("repeat", 30));
const PAGES = process.argv.includes("--pages");

const N = {
  contacts: Math.max(100, Math.round(1_000_000 * SCALE)),
  events: Math.max(1_000, Math.round(10_000_000 * SCALE)),
  runs: Math.max(100, Math.round(1_000_000 * SCALE)),
  sleeping: Math.max(10, Math.round(100_000 * SCALE)),
  messages: Math.max(100, Math.round(1_000_000 * SCALE)),
};
const CHUNK = 200_000;

// The example project's journeys and their real labels, so the funnel has steps and the api has their meta.
const JOURNEYS = [
  "activation-welcome",
  "checkout-recovery",
  "churn-prevention",
  "conversion-abandoned-checkout",
];
const TEMPLATES = ["activation/welcome", "activation/nudge", "activation/advanced", "churn-payment-failed"];

async function main() {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-studio-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    url = embedded.url;
  }
  let api: ChildProcess | undefined;
  const db = createDatabase(url, { max: 4 });
  try {
    await migrate(url);
    log(
      `scale ${SCALE}: ${Object.entries(N)
        .map(([k, v]) => `${k} ${v.toLocaleString("en")}`)
        .join(", ")}`,
    );
    const seeded = await timed(() => seed(db));
    log(`seeded in ${(seeded / 1000).toFixed(1)} s`);

    const port = await freePort();
    api = spawnApi(url, port);
    const base = `http://127.0.0.1:${port}`;
    await waitForHealthy(`${base}/v1/health`);
    const fixtures = await pickFixtures(db);
    const rows: Row[] = [];
    rows.push({ ...(await measure(base, "GET /v1/health", "/v1/health", undefined, false)), baseline: true });
    for (const [name, pathAndQuery, body] of endpoints(fixtures)) {
      rows.push(await measure(base, name, pathAndQuery, body));
    }
    printTable(rows);
    await timePages(base);
  } finally {
    api?.kill("SIGTERM");
    await db.close();
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

// ---- seeding ----------------------------------------------------------------------------------------------

async function seed(db: Database): Promise<void> {
  const { contacts, events, runs, sleeping, messages } = N;
  await step(`contacts ${contacts}`, () =>
    chunks(contacts, (from, to) =>
      db.query(
        `INSERT INTO contacts (user_id, email, properties, unsubscribed_at, created_at, updated_at, last_seen_at)
         SELECT 'u' || i, 'user' || i || '@example.com',
                jsonb_build_object('plan', (ARRAY['free', 'pro', 'team'])[1 + i % 3], 'seats', i % 10,
                                   'firstName', 'User ' || i),
                CASE WHEN i % 500 = 0 THEN now() - (i % 40) * interval '1 day' END,
                now() - (i % 365) * interval '1 day', now(), now() - (i % 30) * interval '1 day'
           FROM generate_series($1::int, $2::int) i`,
        [from, to],
      ),
    ),
  );
  await step(`events ${events}`, () =>
    chunks(events, (from, to) =>
      db.query(
        `INSERT INTO events (message_id, event, user_id, properties, occurred_at, received_at, source)
         SELECT 'seed-' || i, (ARRAY['page.viewed', 'feature.used', 'user.created', 'checkout.started',
                 'checkout.completed', 'email.opened', 'subscription.renewed', 'invoice.paid'])[1 + i % 8],
                'u' || (i % $3::int), jsonb_build_object('n', i % 100),
                now() - (i % 129600) * interval '1 minute', now() - (i % 129600) * interval '1 minute', 'api'
           FROM generate_series($1::int, $2::int) i`,
        [from, to, contacts],
      ),
    ),
  );
  // Runs: journey i % 4, user i % contacts (unique pairs while runs <= contacts, as the live-run index wants).
  // The first `sleeping` are waiting at a sleep; 1 % failed, 2 % exited, the rest completed.
  await step(`journey runs ${runs} (${sleeping} sleeping)`, () =>
    chunks(runs, (from, to) =>
      db.query(
        `INSERT INTO journey_runs (journey_id, user_id, user_email, status, current_node_id, due_at, attempts,
                                   error, created_at, updated_at, completed_at)
         SELECT ($4::text[])[1 + i % 4], 'u' || (i % $3::int), 'user' || (i % $3::int) || '@example.com',
                s.status, CASE WHEN s.status = 'waiting' THEN 'post-welcome' ELSE 'nudged' END,
                CASE WHEN s.status = 'waiting' THEN now() + (1 + i % 2880) * interval '1 minute' END,
                CASE WHEN s.status = 'failed' THEN 3 ELSE 0 END,
                CASE WHEN s.status = 'failed' THEN 'Error: seeded failure' END,
                now() - (i % 43200) * interval '1 minute', now() - (i % 43200) * interval '1 minute',
                CASE WHEN s.status NOT IN ('waiting', 'active') THEN now() - (i % 43200) * interval '1 minute' END
           FROM generate_series($1::int, $2::int) i,
                LATERAL (SELECT CASE WHEN i <= $5::int THEN 'waiting' WHEN i % 100 = 0 THEN 'failed'
                                     WHEN i % 50 = 1 THEN 'exited' ELSE 'completed' END AS status) s`,
        [from, to, contacts, JOURNEYS, sleeping],
      ),
    ),
  );
  await step("journals (2-3 entries a run)", async () => {
    // Every run sent its first email and slept; the ones past their sleep sent a second email.
    await db.query(
      `INSERT INTO journey_journal (run_id, position, kind, label, result, created_at)
       SELECT id, 0, 'email', 'activation/welcome', '{"messageId": null}', created_at FROM journey_runs`,
    );
    await db.query(
      `INSERT INTO journey_journal (run_id, position, kind, label, result, created_at)
       SELECT id, 1, 'sleep', 'post-welcome', '{}', created_at FROM journey_runs`,
    );
    await db.query(
      `INSERT INTO journey_journal (run_id, position, kind, label, result, created_at)
       SELECT id, 2, 'email', 'activation/nudge', '{}', updated_at FROM journey_runs WHERE status <> 'waiting'`,
    );
  });
  // Messages queued then decided (through the update trigger, as delivery does): 95 % sent, 2 % failed,
  // 1 % suppressed, 2 % skipped; 70 % from journeys.
  await step(`messages ${messages}`, () =>
    chunks(messages, async (from, to) => {
      await db.query(
        `INSERT INTO messages (journey_id, user_id, to_email, template, subject, category, status, attempts,
                               html, headers, created_at, updated_at)
         SELECT CASE WHEN i % 10 < 7 THEN ($4::text[])[1 + i % 4] END, 'u' || (i % $3::int),
                'user' || (i % $3::int) || '@example.com', ($5::text[])[1 + i % 4], 'Subject ' || (i % 50),
                (ARRAY['product', 'marketing', 'transactional'])[1 + i % 3], 'queued', 1,
                '<html><body><p>Hello user ' || i || '</p></body></html>', '{"X-Seed": "1"}',
                now() - (i % 43200) * interval '1 minute', now() - (i % 43200) * interval '1 minute'
           FROM generate_series($1::int, $2::int) i`,
        [from, to, contacts, JOURNEYS, TEMPLATES],
      );
    }),
  );
  await step("message outcomes", async () => {
    await db.query(
      `UPDATE messages SET status = CASE WHEN n % 100 < 95 THEN 'sent' WHEN n % 100 < 97 THEN 'failed'
                                         WHEN n % 100 < 98 THEN 'suppressed' ELSE 'skipped' END,
              sent_at = CASE WHEN n % 100 < 95 THEN created_at + interval '2 seconds' END
         FROM (SELECT id AS mid, row_number() OVER () AS n FROM messages) m WHERE id = m.mid`,
    );
  });
  await step("message events", async () => {
    await db.query(
      `INSERT INTO message_events (message_id, email, type, bounce_kind, source, occurred_at)
       SELECT m.id, m.to_email, t.type, CASE WHEN t.type = 'bounced' THEN 'hard' END, 'resend',
              m.sent_at + interval '5 seconds'
         FROM (SELECT id, to_email, sent_at, row_number() OVER () AS n FROM messages WHERE status = 'sent') m
         JOIN LATERAL (
           SELECT 'delivered' AS type WHERE m.n % 100 <> 0
           UNION ALL SELECT 'bounced' WHERE m.n % 100 = 0
           UNION ALL SELECT 'complained' WHERE m.n % 2000 = 7
           UNION ALL SELECT 'opened' WHERE m.n % 3 = 0
         ) t ON true`,
    );
  });
  await step("suppressions, skip counts", async () => {
    await db.query(
      `INSERT INTO suppressions (email, reason, source)
       SELECT 'user' || (i * 97) || '@example.com', 'hard_bounce', 'resend'
         FROM generate_series(1, greatest(10, $1::int / 1000)) i ON CONFLICT DO NOTHING`,
      [contacts],
    );
    await db.query(
      `INSERT INTO journey_skip_counts (journey_id, reason, count)
       SELECT j, r, 1000 FROM unnest($1::text[]) j, unnest(ARRAY['already_active', 'user_unsubscribed']) r`,
      [JOURNEYS],
    );
  });
  await step("vacuum analyze", async () => {
    for (const table of [
      "contacts",
      "events",
      "journey_runs",
      "journey_journal",
      "messages",
      "message_events",
    ]) {
      await db.query(`VACUUM ANALYZE ${table}`);
    }
  });
  await step("fold counters", async () => {
    await foldJourneyCounters(db);
    await foldEmailCounters(db);
  });
}

async function chunks(total: number, run: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let from = 1; from <= total; from += CHUNK) await run(from, Math.min(total, from + CHUNK - 1));
}

async function step(name: string, run: () => Promise<unknown>): Promise<void> {
  const ms = await timed(run);
  log(`  ${name}: ${(ms / 1000).toFixed(1)} s`);
}

// ---- endpoints --------------------------------------------------------------------------------------------

interface Fixtures {
  runId: string;
  failedRunId: string;
  userId: string;
  email: string;
  messageId: string;
}

async function pickFixtures(db: Database): Promise<Fixtures> {
  const one = async (sql: string) => (await db.query<{ v: string }>(sql)).rows[0]?.v ?? "";
  const middle = Math.floor(N.contacts / 2);
  return {
    runId: await one("SELECT id::text AS v FROM journey_runs WHERE status = 'waiting' LIMIT 1"),
    failedRunId: await one("SELECT id::text AS v FROM journey_runs WHERE status = 'failed' LIMIT 1"),
    userId: `u${middle}`,
    email: `user${middle}@example.com`,
    messageId: await one("SELECT id::text AS v FROM messages ORDER BY created_at DESC LIMIT 1 OFFSET 10"),
  };
}

type Endpoint = [name: string, pathAndQuery: string, body?: unknown];

function endpoints(f: Fixtures): Endpoint[] {
  const j = JOURNEYS[0]!;
  const a = "/v1/admin";
  return [
    ["GET /overview", `${a}/overview`],
    ["GET /journeys", `${a}/journeys`],
    ["GET /journeys/{id}/funnel", `${a}/journeys/${j}/funnel`],
    ["GET /journeys/{id}/runs", `${a}/journeys/${j}/runs?limit=50`],
    ["GET /journeys/{id}/runs?status=failed", `${a}/journeys/${j}/runs?status=failed&limit=50`],
    ["GET /journeys/{id}/runs?status=waiting", `${a}/journeys/${j}/runs?status=waiting&limit=50`],
    ["GET /journeys/{id}/runs?step=", `${a}/journeys/${j}/runs?step=post-welcome&limit=50`],
    ["GET /runs/{id}", `${a}/runs/${f.runId}`],
    ["GET /users/{id}/journeys", `${a}/users/${f.userId}/journeys`],
    ["GET /contacts", `${a}/contacts?limit=50`],
    ["GET /contacts?q=<id>", `${a}/contacts?q=${f.userId}&limit=50`],
    ["GET /contacts?q=<email prefix>", `${a}/contacts?q=${encodeURIComponent(f.email.slice(0, 9))}&limit=50`],
    ["GET /contacts?q=plan:team", `${a}/contacts?q=plan%3Ateam&limit=50`],
    ["GET /contacts/{id}", `${a}/contacts/${f.userId}`],
    ["GET /messages", `${a}/messages?limit=50`],
    ["GET /messages?status=failed", `${a}/messages?status=failed&limit=50`],
    ["GET /messages?template=", `${a}/messages?template=${encodeURIComponent(TEMPLATES[1]!)}&limit=50`],
    ["GET /messages?journey=", `${a}/messages?journey=${j}&limit=50`],
    ["GET /messages?to=", `${a}/messages?to=${encodeURIComponent(f.email)}&limit=50`],
    [
      "GET /messages?from=&until=",
      `${a}/messages?from=${new Date(Date.now() - 7 * 86_400_000).toISOString()}&until=${new Date(
        Date.now() - 6 * 86_400_000,
      ).toISOString()}&limit=50`,
    ],
    ["GET /messages/{id}", `${a}/messages/${f.messageId}`],
    ["GET /templates", `${a}/templates`],
    [
      "POST /templates/{key}/preview asContact",
      `${a}/templates/activation/welcome/preview`,
      { asContact: f.userId },
    ],
    ["GET /events", `${a}/events?limit=50`],
    ["GET /events?userId=", `${a}/events?userId=${f.userId}&limit=50`],
    ["GET /events?event=", `${a}/events?event=invoice.paid&limit=50`],
    ["GET /events/routing-failures", `${a}/events/routing-failures`],
    ["GET /suppressions", `${a}/suppressions?limit=50`],
    ["GET /audit-log", `${a}/audit-log?limit=50`],
    ["GET /mailbox", `${a}/mailbox?limit=20`],
    ["GET /api-keys", `${a}/api-keys`],
  ];
}

interface Row {
  name: string;
  p50: number;
  p95: number;
  max: number;
  status: number;
  baseline?: boolean;
}

async function measure(
  base: string,
  name: string,
  pathAndQuery: string,
  body?: unknown,
  auth = true,
): Promise<Row> {
  const call = async () => {
    const started = performance.now();
    const res = await fetch(`${base}${pathAndQuery}`, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        ...(auth ? { authorization: `Bearer ${ADMIN_KEY}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status };
  };
  const warm = await call(); // first call: plans, caches, the template render
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i++) samples.push((await call()).ms);
  samples.sort((x, y) => x - y);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
  return { name, p50: pct(50), p95: pct(95), max: samples.at(-1)!, status: warm.status };
}

function printTable(rows: Row[]) {
  const baseline = rows.find((r) => r.baseline)!;
  const lines = [
    "",
    `Studio endpoints at scale ${SCALE} (${REPEAT} calls each after one warm-up; goal p95 < ${GOAL_P95_MS} ms)`,
    "",
    `${"endpoint".padEnd(44)} ${"status".padStart(6)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"max ms".padStart(8)} ${"p95/base".padStart(9)}  goal`,
  ];
  for (const r of rows) {
    const ok = r.status < 300 && r.p95 < GOAL_P95_MS;
    lines.push(
      `${(r.baseline ? `baseline: ${r.name}` : r.name).padEnd(44)} ${String(r.status).padStart(6)} ${r.p50
        .toFixed(1)
        .padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.max.toFixed(1).padStart(8)} ${(r.p95 / baseline.p95)
        .toFixed(1)
        .padStart(8)}x  ${r.baseline ? "" : ok ? "ok" : "MISSED"}`,
    );
  }
  const missed = rows.filter((r) => !r.baseline && !(r.status < 300 && r.p95 < GOAL_P95_MS));
  lines.push(
    "",
    missed.length === 0 ? "every endpoint met the goal" : `${missed.length} endpoint(s) missed the goal`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** The Studio login the bench's api mints at boot (STUDIO_ADMIN_EMAIL), for the page timings. */
const STUDIO_LOGIN = { email: "bench@studio.local", password: "bench-studio-password-0123456789" };

// Runs in the page (a string: this program has no DOM types): the data is on screen.
const PAGE_READY = `document.querySelector("main") !== null &&
  document.querySelector('main [role="status"]') === null &&
  document.querySelector("main table, main [data-testid], main [data-state], main iframe") !== null`;

/** Each Studio page timed, by its path under /studio. */
const PAGES_TO_TIME = [
  "/",
  "/journeys",
  "/contacts",
  "/messages",
  "/templates",
  "/events",
  "/suppressions",
  "/inbox",
  "/settings",
  "/audit",
];

/**
 * Part two: the first render of each Studio page in Chromium (goal: interactive < GOAL_PAGE_MS), on the seeded
 * database: sign in once through /v1/auth/sign-in/email, then for each page time from navigation until its data
 * is on screen (no loading indicator left in <main>, and a table, an empty state, an error or a page marker shown).
 */
async function timePages(base: string): Promise<void> {
  if (!PAGES) {
    log(`page render timing: not requested (--pages); goal interactive < ${GOAL_PAGE_MS} ms`);
    return;
  }
  if (
    !existsSync(path.join(ROOT, "studio/dist/index.html")) &&
    !existsSync(path.join(ROOT, "dist/studio/index.html"))
  ) {
    log("page render timing: skipped — Studio is not built (npm run build:studio)");
    return;
  }
  const { HAVE_CHROMIUM, launchChromium } = await import("../test/helpers/chromium.js");
  if (!HAVE_CHROMIUM) {
    log("page render timing: skipped — no chromium (the pretest hook installs it)");
    return;
  }
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const signIn = await context.request.post(`${base}/v1/auth/sign-in/email`, {
      data: STUDIO_LOGIN,
      headers: { origin: base },
    });
    if (!signIn.ok()) throw new Error(`Studio sign-in failed: ${signIn.status()} ${await signIn.text()}`);
    const page = await context.newPage();
    const rows: Array<{ page: string; ms: number }> = [];
    for (const route of PAGES_TO_TIME) {
      const started = performance.now();
      await page.goto(`${base}/studio${route}`);
      await page.waitForFunction(PAGE_READY, undefined, { timeout: 30_000, polling: 10 });
      rows.push({ page: route, ms: performance.now() - started });
    }
    log(`Studio pages, first render in Chromium (goal interactive < ${GOAL_PAGE_MS} ms):`);
    for (const row of rows) {
      log(
        `  ${row.page.padEnd(14)} ${row.ms.toFixed(0).padStart(6)} ms${row.ms > GOAL_PAGE_MS ? "  MISSED" : ""}`,
      );
    }
    const missed = rows.filter((r) => r.ms > GOAL_PAGE_MS).length;
    log(missed === 0 ? "every page met the goal" : `${missed} page(s) missed the goal`);
  } finally {
    await browser.close();
  }
}

// ---- plumbing ---------------------------------------------------------------------------------------------

function spawnApi(url: string, port: number): ChildProcess {
  return spawn(process.execPath, [CLI, "api", "--config", CONFIG], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      DATABASE_URL: url,
      PORT: String(port),
      HOGSEND_API_KEY: ADMIN_KEY,
      API_PUBLIC_URL: `http://127.0.0.1:${port}`,
      STUDIO_ADMIN_EMAIL: STUDIO_LOGIN.email,
      STUDIO_ADMIN_PASSWORD: STUDIO_LOGIN.password,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

async function waitForHealthy(url: string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
