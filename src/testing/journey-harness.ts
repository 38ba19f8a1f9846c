import { randomUUID } from "node:crypto";
import { loadConfig } from "../config.js";
import { createDatabase, type Database } from "../db/database.js";
import { migrate } from "../db/migrate.js";
import { emailForJourneys } from "../email/journey-email.js";
import { createDueEmailDelivery } from "../email/outbox/deliver-due-emails.js";
import type { EmailProvider } from "../email/providers/email-provider.js";
import { assertJourneyTemplatesExist } from "../email/templates/assert-journey-templates-exist.js";
import type { FrequencyCaps } from "../email/templates/frequency-caps.js";
import { createTemplateRegistry, type TemplateRegistry } from "../email/templates/template-registry.js";
import { EVENT_COLUMNS, insertEvents, toStoredEvent } from "../events/event-store.js";
import type { StoredEvent } from "../events/event-types.js";
import { routeBatch } from "../journeys/event-router.js";
import { createHatchetClient } from "../journeys/hatchet/create-hatchet-client.js";
import type { HatchetSettings } from "../journeys/hatchet/hatchet-settings.js";
import { type HatchetEngine, startHatchetEngine } from "../journeys/hatchet/start-hatchet-engine.js";
import { createJourneyRegistry, type JourneyRegistry } from "../journeys/journey-registry.js";
import {
  type JournalEntry,
  RUN_COLUMNS,
  type RunRecord,
  type RunRow,
  toRunRecord,
} from "../journeys/journey-store.js";
import type { DefinedJourney } from "../journeys/journey-types.js";
import type { PersonPropertyLookup } from "../journeys/person-property-lookup.js";
import { PARTITION_COUNT } from "../journeys/routing-partitions.js";
import { createBatchingCommitter } from "../journeys/run-committer.js";
import { RunDispatcher } from "../journeys/run-dispatcher.js";
import { VirtualClock } from "../lib/clock.js";
import { type DurationObject, durationToMs } from "../lib/duration.js";
import { createLogger } from "../lib/logger.js";
import type { AnyEmailTemplate } from "../project/define-config.js";
import { createHarnessDatabase, type HarnessDatabase } from "./harness-database.js";

export interface HarnessEvent {
  event: string;
  userId: string;
  userEmail?: string;
  properties?: Record<string, unknown>;
  messageId?: string;
  /** Defaults to the virtual clock's now. */
  occurredAt?: Date;
}

export interface HarnessOptions {
  journeys: readonly DefinedJourney[];
  /** The templates the journeys send (your config's `templates`); a send of any other key fails its run. */
  templates?: readonly AnyEmailTemplate[] | TemplateRegistry;
  /**
   * A Postgres database for the harness (migrated on start). Without it the harness starts (or reuses) an
   * embedded Postgres and gives this harness a fresh, migrated database of its own, dropped on `close()`.
   */
  databaseUrl?: string;
  /** Where that embedded Postgres keeps its files (default: a folder in the OS temp dir, shared by all runs). */
  dataDir?: string;
  /** Start of virtual time (default 2030-01-01T00:00:00Z). */
  start?: Date | string;
  /** Retry policy for journeys without their own (default 3 attempts, 10 s backoff). */
  retry?: { attempts: number; backoffMs: number };
  /**
   * Deliver queued emails through this provider (the `EmailProvider` port: `send(email)` returns `{ ok: true,
   * providerMessageId }` or `{ ok: false, retryable, reason, retryAfterMs? }`). Delivery runs on the virtual clock:
   * a failed send is retried when `advance()` passes its retry time. Without it emails stay `queued`.
   */
  emailProvider?: EmailProvider;
  /** Your config's `frequencyCaps` (when `templates` is a list; a registry carries its own). */
  frequencyCaps?: FrequencyCaps;
  /**
   * Person properties for journeys with `meta.personLookup` (in production PostHog's persons API): a stub such as
   * `{ lookup: async (ids) => new Map(ids.map((id) => [id, { plan: "pro" }])) }`. Without it they read stored
   * contact properties only.
   */
  personLookup?: PersonPropertyLookup;
  /** Environment for engine and delivery settings (HOGSEND_DEFAULT_TIMEZONE, EMAIL_FROM …); default: test defaults. */
  env?: Record<string, string>;
  /**
   * Which engine executes the runs: the Postgres engine in this process (default), or Hatchet durable tasks on the
   * engine these settings reach (a worker in this process; each harness gets a namespace of its own). Time is still
   * virtual: `advance` wakes what comes due with Hatchet wake events instead of waiting for Hatchet's sleeps.
   */
  engine?: { kind: "postgres" } | { kind: "hatchet"; hatchet: HatchetSettings; evictAfter?: `${number}s` };
  /** How long `drain` waits for a Hatchet-executed run to settle before it fails (default 60 s). */
  drainTimeoutMs?: number;
}

/** A journey test harness: the real engine on a real Postgres, with a virtual clock. */
/** One email a journey queued (a row of the outbox), as `emails()` lists it. */
export interface HarnessEmail {
  id: string;
  to: string;
  userId: string | null;
  journeyId: string | null;
  template: string;
  subject: string;
  props: Record<string, unknown>;
  /** `queued`, or `skipped` inside the journey's suppress window (the harness does not deliver). */
  status: string;
  createdAt: Date;
}

export interface JourneyHarness {
  readonly clock: VirtualClock;
  readonly db: Database;
  readonly registry: JourneyRegistry;
  readonly templates: TemplateRegistry;
  /** The emails journeys queued, oldest first. */
  emails(filter?: { userId?: string; template?: string }): Promise<HarnessEmail[]>;
  /** Stores an event (as ingest would), then routes and executes until nothing is left to do now. */
  send(event: HarnessEvent): Promise<StoredEvent>;
  /** Moves the virtual clock forward and executes everything that comes due, until idle. */
  advance(by: DurationObject | number): Promise<void>;
  /** Routes queued events and executes due runs until idle, without moving time. */
  drain(): Promise<void>;
  runs(filter?: { journeyId?: string; userId?: string; status?: string }): Promise<RunRecord[]>;
  run(runId: string): Promise<RunRecord | undefined>;
  journal(runId: string): Promise<JournalEntry[]>;
  /** Stored events, e.g. those a journey fired with ctx.trigger (`source: "journey"`). */
  events(filter?: { event?: string; userId?: string; source?: string }): Promise<StoredEvent[]>;
  /** Skipped enrollments by reason for one journey. */
  skips(journeyId: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const ALL_PARTITIONS = Array.from({ length: PARTITION_COUNT }, (_, i) => i);
const MAX_DRAIN_ROUNDS = 10_000;

/**
 * Starts a harness: the real engine on a real Postgres with a virtual clock. Time only moves through `advance`, so
 * a seven-day journey runs in milliseconds. With no `databaseUrl` it needs nothing else: it starts (or reuses) an
 * embedded Postgres and gives each harness its own fresh database.
 *
 * @example
 * import { days } from "hogsend";
 * import { createJourneyHarness } from "hogsend/testing";
 * import { afterAll, expect, it } from "vitest";
 * import config from "../hogsend.config.js";
 *
 * const h = await createJourneyHarness({ journeys: config.journeys, templates: config.templates });
 * afterAll(() => h.close());
 *
 * it("welcomes a new user, then checks in two days later", async () => {
 *   await h.send({ event: "user.created", userId: "u1", userEmail: "ada@example.com" });
 *   expect((await h.emails({ userId: "u1" })).map((e) => e.template)).toEqual(["welcome"]);
 *   await h.advance(days(2));
 *   expect((await h.runs({ userId: "u1" }))[0]?.status).toBe("completed");
 * });
 */
export async function createJourneyHarness(options: HarnessOptions): Promise<JourneyHarness> {
  const templates =
    options.templates === undefined || Array.isArray(options.templates)
      ? createTemplateRegistry((options.templates ?? []) as readonly AnyEmailTemplate[], {
          source: "the harness's templates",
          frequencyCaps: options.frequencyCaps,
        })
      : (options.templates as TemplateRegistry);
  assertJourneyTemplatesExist(options.journeys, templates);
  let owned: HarnessDatabase | undefined;
  let databaseUrl = options.databaseUrl;
  if (databaseUrl === undefined) {
    owned = await createHarnessDatabase(options.dataDir);
    databaseUrl = owned.url;
  } else {
    await migrate(databaseUrl);
  }
  const db = createDatabase(databaseUrl, { max: 5, applicationName: "hogsend-harness" });
  const clock = new VirtualClock(options.start);
  const registry = createJourneyRegistry(options.journeys);
  const logger = createLogger({ level: "silent", pretty: false });
  const email = emailForJourneys(templates);
  const config = loadConfig({ NODE_ENV: "test", ...options.env });
  const executor = new RunDispatcher({
    db,
    clock,
    owner: `harness:${randomUUID().slice(0, 8)}`,
    registry,
    leaseMs: 60_000,
    logger,
    retry: options.retry ?? { attempts: 3, backoffMs: 10_000 },
    committer: createBatchingCommitter(db),
    services: email.services,
    readers: email.readers,
    defaultTimeZone: config.defaultTimeZone,
  });

  const hatchet =
    options.engine?.kind === "hatchet"
      ? await startHatchetEngine({
          hatchet: createHatchetClient(
            {
              ...options.engine.hatchet,
              namespace: `${options.engine.hatchet.namespace ?? ""}harness_${randomUUID().slice(0, 8)}_`,
            },
            logger,
          ),
          db,
          clock,
          logger,
          registry,
          concurrency: 200,
          leaseMs: 60_000,
          pollIntervalMs: 1_000,
          retry: options.retry ?? { attempts: 3, backoffMs: 10_000 },
          services: email.services,
          readers: email.readers,
          defaultTimeZone: config.defaultTimeZone,
          loops: false,
          wakeParked: true,
          handoffMs: 10_000,
          workerName: "hogsend-harness",
          ...(options.engine.evictAfter ? { evictAfter: options.engine.evictAfter } : {}),
        })
      : undefined;

  const delivery = options.emailProvider
    ? createDueEmailDelivery({
        db,
        config,
        templates,
        provider: options.emailProvider,
        clock,
        owner: `harness-email:${randomUUID().slice(0, 8)}`,
      })
    : undefined;

  async function drain(): Promise<void> {
    if (hatchet) return drainOnHatchet(hatchet);
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const routed = await routeBatch(
        { db, clock, registry, personLookup: options.personLookup },
        ALL_PARTITIONS,
        1000,
      );
      const claimed = await executor.claimAndStart(1000);
      await executor.settle();
      const delivered = (await delivery?.deliverDue()) ?? 0;
      if (routed.events === 0 && claimed === 0 && delivered === 0) return;
    }
    throw new Error(
      `harness: still busy after ${MAX_DRAIN_ROUNDS} rounds (a journey triggering itself forever?)`,
    );
  }

  /**
   * Hatchet executes asynchronously: hand over what is due, then poll until no live run is due on the virtual clock
   * (every execution has committed), and only then route again — events a run fired commit with its journal.
   */
  async function drainOnHatchet(engine: HatchetEngine): Promise<void> {
    const deadline = Date.now() + (options.drainTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      const due = await db.query<{ due: number }>(
        "SELECT count(*)::int AS due FROM journey_runs WHERE status IN ('active', 'waiting') AND due_at <= $1",
        [clock.now().toISOString()],
      );
      const busy = (due.rows[0]?.due ?? 0) > 0;
      const routed = await routeBatch(
        { db, clock, registry, personLookup: options.personLookup },
        ALL_PARTITIONS,
        1000,
      );
      const handed = await engine.handOff(1000);
      await engine.cancelEnded(1000);
      const delivered = (await delivery?.deliverDue()) ?? 0;
      if (!busy && routed.events === 0 && handed === 0 && delivered === 0) return;
      if (routed.events === 0 && handed === 0 && delivered === 0) await new Promise((r) => setTimeout(r, 15));
    }
    const stuck = await db.query(
      `SELECT id, journey_id, status, due_at, lease_owner, engine_ref FROM journey_runs
        WHERE status IN ('active', 'waiting') AND due_at <= $1 LIMIT 5`,
      [clock.now().toISOString()],
    );
    throw new Error(`harness: runs on Hatchet did not settle in time: ${JSON.stringify(stuck.rows)}`);
  }

  return {
    clock,
    db,
    registry,
    templates,
    async emails(filter = {}) {
      const result = await db.query<{
        id: string;
        to_email: string;
        user_id: string | null;
        journey_id: string | null;
        template: string;
        subject: string;
        props: Record<string, unknown>;
        status: string;
        created_at: Date;
      }>(
        `SELECT id, to_email, user_id, journey_id, template, subject, props, status, created_at FROM messages
          WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR template = $2)
          ORDER BY created_at, id`,
        [filter.userId ?? null, filter.template ?? null],
      );
      return result.rows.map((row) => ({
        id: row.id,
        to: row.to_email,
        userId: row.user_id,
        journeyId: row.journey_id,
        template: row.template,
        subject: row.subject,
        props: row.props,
        status: row.status,
        createdAt: row.created_at,
      }));
    },
    async send(event) {
      const messageId = event.messageId ?? randomUUID();
      await insertEvents(db, [
        {
          messageId,
          event: event.event,
          userId: event.userId,
          userEmail: event.userEmail ?? null,
          properties: event.properties ?? {},
          occurredAt: event.occurredAt ?? clock.now(),
          source: "api",
        },
      ]);
      await drain();
      const stored = await db.query(`SELECT ${EVENT_COLUMNS} FROM events WHERE message_id = $1`, [messageId]);
      return toStoredEvent(stored.rows[0] as Parameters<typeof toStoredEvent>[0]);
    },
    async advance(by) {
      const total = typeof by === "number" ? by : durationToMs(by);
      const target = clock.now().getTime() + total;
      await drain();
      // Step through each due time in order so that runs observe the time they were due, not the end time.
      for (;;) {
        // Runs coming due, and (when the harness delivers) email retries coming due, in one time line.
        const next = await db.query<{ due_at: Date }>(
          `SELECT min(due_at) AS due_at FROM (
             SELECT due_at FROM journey_runs WHERE status IN ('active', 'waiting') AND due_at > $1 AND due_at <= $2
             UNION ALL
             SELECT next_attempt_at FROM messages
              WHERE $3 AND status = 'queued' AND next_attempt_at > $1 AND next_attempt_at <= $2) due`,
          [clock.now().toISOString(), new Date(target).toISOString(), delivery !== undefined],
        );
        const due = next.rows[0]?.due_at;
        if (!due) break;
        clock.set(due);
        await drain();
      }
      clock.set(target);
      await drain();
    },
    drain,
    async runs(filter = {}) {
      const result = await db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM journey_runs
          WHERE ($1::text IS NULL OR journey_id = $1) AND ($2::text IS NULL OR user_id = $2)
            AND ($3::text IS NULL OR status = $3)
          ORDER BY created_at, id`,
        [filter.journeyId ?? null, filter.userId ?? null, filter.status ?? null],
      );
      return result.rows.map(toRunRecord);
    },
    async run(runId) {
      const result = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM journey_runs WHERE id = $1`, [runId]);
      return result.rows[0] ? toRunRecord(result.rows[0]) : undefined;
    },
    async journal(runId) {
      const result = await db.query<JournalEntry>(
        "SELECT position, kind, label, result FROM journey_journal WHERE run_id = $1 ORDER BY position",
        [runId],
      );
      return result.rows;
    },
    async events(filter = {}) {
      const result = await db.query(
        `SELECT ${EVENT_COLUMNS} FROM events
          WHERE ($1::text IS NULL OR event = $1) AND ($2::text IS NULL OR user_id = $2)
            AND ($3::text IS NULL OR source = $3)
          ORDER BY id`,
        [filter.event ?? null, filter.userId ?? null, filter.source ?? null],
      );
      return result.rows.map((row) => toStoredEvent(row as Parameters<typeof toStoredEvent>[0]));
    },
    async skips(journeyId) {
      const result = await db.query<{ reason: string; count: number }>(
        "SELECT reason, count FROM journey_skip_counts WHERE journey_id = $1",
        [journeyId],
      );
      return Object.fromEntries(result.rows.map((row) => [row.reason, row.count]));
    },
    async close() {
      await hatchet?.stop();
      await executor.settle();
      await db.close();
      await owned?.drop();
    },
  };
}
