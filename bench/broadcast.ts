/**
 * `npm run bench -- broadcast [--contacts N] [--rate R]`  (also `npm run bench:broadcast`)
 *
 * A broadcast to N contacts (default 1,000,000; 90 % on the plan the audience asks for, 2 % unsubscribed), on an
 * embedded Postgres in a temp dir (or DATABASE_URL):
 *   - baseline: one raw `INSERT … SELECT` of the same rows (the same compiled audience predicate) into a copy of
 *     broadcast_recipients, timed in the same run;
 *   - materialisation by a real `hogsend worker` process: keyset pages of contacts, each one
 *     INSERT … SELECT … ON CONFLICT DO NOTHING that also moves the cursor; reports recipients/s (target
 *     ≥ 20,000/s) and the ratio to the raw statement;
 *   - the drain: every recipient enqueued through the email path and delivered to the capture provider (rate R
 *     per second, default 100,000, i.e. as fast as it goes); reports emails/s;
 *   - the worker's RSS sampled every 500 ms through the whole run (min / max / last), which must stay flat.
 * The contacts carry no per-person props the template reads, so the render cache serves every email after the
 * first: the drain measures the outbox and the provider path, not React (a personalised template renders each
 * email, a few ms of CPU apiece). Figures, not a timed test. Bounded: the run stops after 60 minutes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_AUDIT_CONTEXT } from "../src/audit/audit-entry.js";
import { compileAudience } from "../src/broadcasts/audience-sql.js";
import { createBroadcast, scheduleBroadcast } from "../src/broadcasts/broadcast-service.js";
import { createDatabase } from "../src/db/database.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { freePort } from "../src/lib/free-port.js";
import { exampleTemplates } from "../test/helpers/example-templates.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(ROOT, "bin/hogsend.mjs");
const CONFIG = path.join(ROOT, "examples/hogsend.config.ts");
const DEADLINE = Date.now() + 60 * 60_000;

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}
const CONTACTS = arg("contacts", 1_000_000);
const RATE = arg("rate", 100_000);
const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const AUDIENCE = {
  match: "all" as const,
  conditions: [{ type: "property" as const, property: "plan", operator: "eq" as const, value: "pro" }],
};

function rssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main() {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-broadcast-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
    url = embedded.url;
  }
  const db = createDatabase(url, { max: 4 });
  let worker: ChildProcess | undefined;
  try {
    await migrate(url);
    say(`broadcast bench: ${fmt(CONTACTS)} contacts`);
    const seeded = Date.now();
    for (let from = 1; from <= CONTACTS; from += 100_000) {
      await db.query(
        `INSERT INTO contacts (user_id, email, properties, unsubscribed_at)
         SELECT 'u' || lpad(i::text, 8, '0'), 'u' || i || '@example.com',
                jsonb_build_object('plan', CASE WHEN i % 10 = 0 THEN 'free' ELSE 'pro' END),
                CASE WHEN i % 50 = 7 THEN now() END
           FROM generate_series($1::int, $2::int) AS i`,
        [from, Math.min(from + 99_999, CONTACTS)],
      );
    }
    await db.query("ANALYZE contacts");
    say(`  seeded in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);

    // Baseline: the same rows, one raw statement, into a table shaped like broadcast_recipients.
    await db.query("CREATE TABLE bench_raw_recipients (LIKE broadcast_recipients INCLUDING ALL)");
    const compiled = compileAudience(AUDIENCE, "product", new Date());
    const id = compiled.params.add("00000000-0000-4000-8000-000000000000", "::uuid");
    const rawStart = performance.now();
    const raw = await db.query(
      `INSERT INTO bench_raw_recipients (broadcast_id, user_id)
       SELECT ${id}, c.user_id FROM ${compiled.from} WHERE ${compiled.where}`,
      compiled.params.values,
    );
    const rawSeconds = (performance.now() - rawStart) / 1000;
    const rows = raw.rowCount ?? 0;
    await db.query("DROP TABLE bench_raw_recipients");
    await db.query("CHECKPOINT");
    say(
      `  raw INSERT … SELECT: ${fmt(rows)} rows in ${rawSeconds.toFixed(2)} s = ${fmt(rows / rawSeconds)} rows/s`,
    );

    const broadcast = await createBroadcast(
      db,
      exampleTemplates,
      {
        name: "bench",
        template: "activation/welcome",
        subject: "Big news",
        audience: AUDIENCE,
        ratePerSecond: RATE,
      },
      CLI_AUDIT_CONTEXT,
    );
    worker = spawn(process.execPath, [CLI, "worker", "--config", CONFIG], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "test",
        LOG_LEVEL: "warn",
        DATABASE_URL: url,
        HOGSEND_POLL_INTERVAL_MS: "100",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const pid = worker.pid as number;
    const child = worker;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        child.kill("SIGKILL");
        void embedded?.stop().finally(() => process.exit(1));
      });
    }
    const rss: number[] = [];
    const sampler = setInterval(() => {
      const mb = rssMb(pid);
      if (mb !== undefined) rss.push(mb);
    }, 500);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // boot
    const rssAtBoot = rssMb(pid);
    await scheduleBroadcast(db, broadcast.id, new Date(), CLI_AUDIT_CONTEXT);

    const state = async () =>
      (
        await db.query<{ status: string; seconds: number | null }>(
          "SELECT status, extract(epoch FROM now() - started_at)::float8 AS seconds FROM broadcasts WHERE id = $1",
          [broadcast.id],
        )
      ).rows[0];
    let materialisedIn: number | undefined;
    for (;;) {
      if (Date.now() > DEADLINE) throw new Error("deadline passed while materialising");
      const s = await state();
      if (s && (s.status === "sending" || s.status === "sent") && s.seconds !== null) {
        materialisedIn = s.seconds;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const recipients = Number(
      (
        await db.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM broadcast_recipients WHERE broadcast_id = $1",
          [broadcast.id],
        )
      ).rows[0]?.n,
    );
    const ours = recipients / materialisedIn;
    say(
      `  materialised by the worker: ${fmt(recipients)} recipients in ${materialisedIn.toFixed(2)} s = ` +
        `${fmt(ours)} recipients/s (target ≥ 20,000/s; ${(ours / (rows / rawSeconds)).toFixed(2)}× the raw statement)`,
    );
    if (recipients !== rows) say(`  !! recipients ${recipients} ≠ raw rows ${rows}`);

    const drainStart = Date.now();
    let captured = 0;
    // RSS against drain progress: flat means the same at a quarter as at the end.
    const progress: Array<{ captured: number; mb: number }> = [];
    for (;;) {
      if (Date.now() > DEADLINE) throw new Error("deadline passed while draining");
      captured = Number(
        (await db.query<{ n: string }>("SELECT count(*)::text AS n FROM captured_emails")).rows[0]?.n,
      );
      const mb = rssMb(pid);
      if (mb !== undefined) progress.push({ captured, mb });
      const s = await state();
      if (s?.status === "sent" && captured >= recipients) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    clearInterval(sampler);
    const dupes = Number(
      (
        await db.query<{ n: string }>(
          "SELECT (count(*) - count(DISTINCT to_email))::text AS n FROM captured_emails",
        )
      ).rows[0]?.n,
    );
    say(
      `  drained to the capture provider: ${fmt(captured)} emails in ${drainSeconds.toFixed(1)} s = ` +
        `${fmt(captured / drainSeconds)} emails/s (after materialisation); duplicates: ${dupes}`,
    );
    const max = Math.max(...rss);
    const min = Math.min(...rss);
    say(
      `  worker RSS: ${rssAtBoot?.toFixed(0)} MB at boot; during the run min ${min.toFixed(0)} MB, ` +
        `max ${max.toFixed(0)} MB, last ${rss[rss.length - 1]?.toFixed(0)} MB (${rss.length} samples)`,
    );
    const at = (share: number) =>
      progress.find((p) => p.captured >= share * recipients)?.mb.toFixed(0) ?? "?";
    say(
      `  worker RSS by drain progress: 25 % ${at(0.25)} MB, 50 % ${at(0.5)} MB, 75 % ${at(0.75)} MB, ` +
        `100 % ${at(1)} MB`,
    );
  } finally {
    if (worker && worker.exitCode === null) {
      // Let the worker stop before its database does (or it logs the database going away).
      const exited = new Promise((resolve) => worker?.once("exit", resolve));
      worker.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    await db.close().catch(() => {});
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

await main();
