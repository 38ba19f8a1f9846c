import { randomUUID } from "node:crypto";
import { createDatabase, type Database } from "../db/database.js";
import { migrate } from "../db/migrate.js";
import { assertJourneyTemplatesExist } from "../email/templates/assert-journey-templates-exist.js";
import { EVENT_COLUMNS, insertEvents, toStoredEvent } from "../events/event-store.js";
import type { StoredEvent } from "../events/event-types.js";
import { routeBatch } from "../journeys/event-router.js";
import { createJourneyRegistry, type JourneyRegistry } from "../journeys/journey-registry.js";
import {
  type JournalEntry,
  RUN_COLUMNS,
  type RunRecord,
  type RunRow,
  toRunRecord,
} from "../journeys/journey-store.js";
import type { DefinedJourney } from "../journeys/journey-types.js";
import { PARTITION_COUNT } from "../journeys/routing-partitions.js";
import { createBatchingCommitter } from "../journeys/run-committer.js";
import { RunExecutor } from "../journeys/run-executor.js";
import { VirtualClock } from "../lib/clock.js";
import { type DurationObject, durationToMs } from "../lib/duration.js";
import { createLogger } from "../lib/logger.js";

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
  /** A Postgres database for the harness (migrated on start). */
  databaseUrl: string;
  journeys: readonly DefinedJourney[];
  /** Start of virtual time (default 2030-01-01T00:00:00Z). */
  start?: Date | string;
  /** Retry policy for journeys without their own (default 3 attempts, 10 s backoff). */
  retry?: { attempts: number; backoffMs: number };
}

/** A journey test harness: the real engine on a real Postgres, with a virtual clock. */
export interface JourneyHarness {
  readonly clock: VirtualClock;
  readonly db: Database;
  readonly registry: JourneyRegistry;
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
 * Starts a harness. Time only moves through `advance`, so a seven-day journey runs in milliseconds:
 *
 * @example
 * const h = await createJourneyHarness({ databaseUrl, journeys: [welcome] });
 * await h.send({ event: "user.created", userId: "u1", userEmail: "a@example.com" });
 * await h.advance(days(2));
 * expect((await h.runs({ userId: "u1" }))[0]?.status).toBe("completed");
 */
export async function createJourneyHarness(options: HarnessOptions): Promise<JourneyHarness> {
  assertJourneyTemplatesExist(options.journeys);
  await migrate(options.databaseUrl);
  const db = createDatabase(options.databaseUrl, { max: 5, applicationName: "hogsend-harness" });
  const clock = new VirtualClock(options.start);
  const registry = createJourneyRegistry(options.journeys);
  const logger = createLogger({ level: "silent", pretty: false });
  const executor = new RunExecutor({
    db,
    clock,
    owner: `harness:${randomUUID().slice(0, 8)}`,
    registry,
    leaseMs: 60_000,
    logger,
    retry: options.retry ?? { attempts: 3, backoffMs: 10_000 },
    committer: createBatchingCommitter(db),
  });

  async function drain(): Promise<void> {
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const routed = await routeBatch({ db, clock, registry }, ALL_PARTITIONS, 1000);
      const claimed = await executor.claimAndStart(1000);
      await executor.settle();
      if (routed.events === 0 && claimed === 0) return;
    }
    throw new Error(
      `harness: still busy after ${MAX_DRAIN_ROUNDS} rounds (a journey triggering itself forever?)`,
    );
  }

  return {
    clock,
    db,
    registry,
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
        const next = await db.query<{ due_at: Date }>(
          `SELECT due_at FROM journey_runs WHERE status IN ('active', 'waiting') AND due_at > $1 AND due_at <= $2
            ORDER BY due_at LIMIT 1`,
          [clock.now().toISOString(), new Date(target).toISOString()],
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
      await executor.settle();
      await db.close();
    },
  };
}
