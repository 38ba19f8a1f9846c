import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Database } from "../../src/db/database.js";
import { insertEvents } from "../../src/events/event-store.js";
import type { FakeResendServer } from "./fake-resend-server.js";

const WORKER = fileURLToPath(new URL("../fixtures/email-soak-worker.ts", import.meta.url));

export interface EmailSoakOptions {
  db: Database;
  databaseUrl: string;
  resend: FakeResendServer;
  users: number;
  workers: number;
  /** How long to keep killing workers. */
  chaosMs: number;
  /**
   * Keep killing past `chaosMs` (up to 60 s more) until this many kills have landed while mail was still going
   * out: on a busy machine a killed worker's replacement can take many seconds to start.
   */
  minKills?: number;
  /** Random pause between kills. */
  killEveryMs: [number, number];
  /** Give up waiting for the outbox to drain after this long. */
  drainTimeoutMs: number;
  concurrency?: number;
  /** More environment for the workers (HOGSEND_ENGINE=hatchet and its HATCHET_CLIENT_* settings). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface EmailSoakResult {
  expected: number;
  kills: number;
  elapsedMs: number;
  messages: Record<string, number>;
  distinctRunPositions: number;
  accepted: number;
  distinctAcceptedKeys: number;
  duplicateContents: number;
  distinctContents: number;
  requests: number;
  retriedKeys: number;
  /** Accepted emails whose idempotency key is not a message id of ours. */
  strangers: number;
}

/**
 * Drives the email exactly-once soak: `users` journey runs of two emails each, through real worker processes
 * (journeys + delivery) that are SIGKILLed at random and restarted, against a Resend-compatible server that
 * counts by idempotency key and by content.
 */
export async function runEmailSoak(options: EmailSoakOptions): Promise<EmailSoakResult> {
  const children = new Set<ChildProcess>();
  const start = (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ["--conditions=hogsend-source", "--import", "tsx", WORKER], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "test",
        LOG_LEVEL: "error",
        DATABASE_URL: options.databaseUrl,
        EMAIL_PROVIDER: "resend",
        RESEND_API_KEY: options.resend.apiKey,
        RESEND_BASE_URL: options.resend.baseUrl,
        EMAIL_FROM: "Hogsend <hello@example.com>",
        EMAIL_RATE_LIMIT_PER_SECOND: "0",
        EMAIL_CONCURRENCY: String(options.concurrency ?? 64),
        EMAIL_SEND_TIMEOUT_MS: "1500",
        EMAIL_RETRY_BASE_MS: "200",
        HOGSEND_LEASE_SECONDS: "2",
        HOGSEND_POLL_INTERVAL_MS: "200",
        HOGSEND_WORKER_CONCURRENCY: "40",
        HOGSEND_DB_POOL_SIZE: "8",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.add(child);
    child.once("exit", () => children.delete(child));
    return new Promise((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) resolve(child);
      });
      child.once("exit", (code) => reject(new Error(`email soak worker exited early (${code})`)));
    });
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const expected = options.users * 2;
  const started = Date.now();
  try {
    const now = new Date();
    const events = Array.from({ length: options.users }, (_, i) => ({
      messageId: `email-soak-${i}`,
      event: "email.soak",
      userId: `soak-user-${i}`,
      userEmail: `soak-user-${i}@example.com`,
      occurredAt: now,
    }));
    for (let i = 0; i < events.length; i += 1000) await insertEvents(options.db, events.slice(i, i + 1000));

    // Each slot holds a worker; a killed worker's replacement starts in the background (a cold start takes a
    // few seconds), so the kills keep their pace and only ever hit workers that are up and sending.
    const slots: Array<ChildProcess | undefined> = await Promise.all(
      Array.from({ length: options.workers }, start),
    );
    const replace = (index: number) => {
      slots[index] = undefined;
      start().then(
        (child) => {
          slots[index] = child;
        },
        (error: unknown) => options.log?.(`restart failed: ${String(error)}`),
      );
    };
    let kills = 0;
    const chaosEnd = Date.now() + options.chaosMs;
    const hardEnd = chaosEnd + 60_000;
    const minKills = options.minKills ?? 0;
    while (Date.now() < chaosEnd || (kills < minKills && Date.now() < hardEnd)) {
      if (options.resend.accepted.length >= expected) break;
      const [min, max] = options.killEveryMs;
      await sleep(min + Math.random() * (max - min));
      const up = slots.flatMap((child, index) => (child ? [index] : []));
      // Keep at least one worker alive so the run makes progress between kills.
      if (up.length < 2 && slots.length > 1) continue;
      const index = up[Math.floor(Math.random() * up.length)];
      if (index === undefined) continue;
      slots[index]?.kill("SIGKILL");
      kills++;
      const progress = await options.db.query<{ n: number }>("SELECT count(*)::int AS n FROM messages");
      options.log?.(
        `SIGKILL worker ${index} (kill ${kills}); ${progress.rows[0]?.n ?? 0} messages queued so far, ` +
          `${options.resend.accepted.length} accepted`,
      );
      replace(index);
    }
    // Chaos over: make sure every slot has a worker to finish the job.
    for (let i = 0; i < slots.length; i++) if (!slots[i]) slots[i] = await start();
    const deadline = Date.now() + options.drainTimeoutMs;
    while (Date.now() < deadline) {
      const done = await options.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM messages WHERE status IN ('sent', 'failed', 'suppressed', 'skipped')",
      );
      if ((done.rows[0]?.n ?? 0) >= expected) break;
      options.log?.(
        `${done.rows[0]?.n ?? 0}/${expected} messages done, ${options.resend.accepted.length} accepted`,
      );
      await sleep(1_000);
    }
    const elapsedMs = Date.now() - started;
    await Promise.all(
      [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    const statuses = await options.db.query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM messages GROUP BY status",
    );
    const positions = await options.db.query<{ n: number }>(
      "SELECT count(DISTINCT (run_id, run_position))::int AS n FROM messages",
    );
    const ids = await options.db.query<{ id: string }>("SELECT id FROM messages");
    const ours = new Set(ids.rows.map((r) => r.id));
    const keys = options.resend.accepted.map((a) => a.idempotencyKey ?? "");
    return {
      expected,
      kills,
      elapsedMs,
      messages: Object.fromEntries(statuses.rows.map((r) => [r.status, r.n])),
      distinctRunPositions: positions.rows[0]?.n ?? 0,
      accepted: options.resend.accepted.length,
      distinctAcceptedKeys: new Set(keys).size,
      duplicateContents: options.resend.duplicateContents(),
      distinctContents: options.resend.contentCounts.size,
      requests: options.resend.requests.length,
      retriedKeys: options.resend.retriedKeys(),
      strangers: keys.filter((k) => !ours.has(k)).length,
    };
  } finally {
    for (const child of children) child.kill("SIGKILL");
  }
}
