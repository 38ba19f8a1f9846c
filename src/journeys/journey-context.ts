import type pg from "pg";
import { isUserSubscribed } from "../contacts/contact-store.js";
import type { Queryable } from "../db/database.js";
import { countUserEvents } from "../events/event-store.js";
import type { NewEvent } from "../events/event-types.js";
import { durationToMs } from "../lib/duration.js";
import { isValidTimeZone, nextWallClock, WEEKDAYS } from "../lib/zoned-time.js";
import type { EffectKey } from "./durable-effect.js";
import { sleepUntilDecided } from "./durable-sleep.js";
import { NonRetryableError } from "./journey-errors.js";
import type { JournalEntry } from "./journey-store.js";
import type { JourneyContext, ReceivedEvent, SleepUntilTime } from "./journey-types.js";
import type { RunTransition } from "./run-commit-store.js";
import { chooseTimeZone } from "./send-window.js";
import { pickVariant } from "./variant-assignment.js";

/** What `ctx.history.email` reports; read by the email module, injected so the engine does not import it. */
export interface EmailHistoryRecord {
  sent: boolean;
  lastSentAt: string | null;
  count: number;
}

/** Reads `ctx` offers that other modules own, injected by the composition root. */
export interface JourneyReaders {
  emailHistory(q: Queryable, params: { email: string; template: string }): Promise<EmailHistoryRecord>;
  /** `ctx.guard.isSubscribed` with email wired: subscribed and not suppressed (no email would reach them). */
  isSubscribed?(q: Queryable, userId: string): Promise<boolean>;
}

/**
 * The slice of one execution the context needs: journal positions, buffered and fenced commits, the clock.
 * (`RunReplay` implements it; the context never sees the run's lease, retry policy or committer.)
 */
export interface ContextExecution {
  readonly db: Queryable;
  readonly userId: string;
  readonly readers: JourneyReaders | undefined;
  /** The zone used for a contact without a valid `timezone` property (HOGSEND_DEFAULT_TIMEZONE). */
  readonly defaultTimeZone: string;
  now(): Date;
  key(position: number): EffectKey;
  next(kind: string, label: string): { position: number; recorded: JournalEntry | undefined };
  buffer(entry: JournalEntry, nodeId?: string): void;
  commit(
    transition: RunTransition,
    entries: JournalEntry[],
    options?: { nodeId?: string; perform?: (tx: pg.PoolClient) => Promise<void>; events?: NewEvent[] },
  ): Promise<void>;
  stop(outcome: { type: "suspended"; dueAt: Date }): never;
  emit(kind: string, label: string, build: (key: EffectKey) => NewEvent): Promise<void>;
}

interface SleepRecord {
  sleptAt: string;
  wakeAt: string;
  resumedAt?: string;
}

type WaitRecord =
  | { status: "waiting"; since: string; timeoutAt: string }
  | { status: "received"; since: string; timeoutAt: string; event: ReceivedEvent }
  | { status: "timed_out"; since: string; timeoutAt: string };

/** The `ctx` a journey's `run` receives; every member goes through the execution's journal. */
export function createJourneyContext(execution: ContextExecution): JourneyContext {
  const db = execution.db;

  /** A journaled read: recorded once, so a replay after a sleep takes the same branch. */
  async function read<T>(kind: string, label: string, fetch: () => Promise<T>): Promise<T> {
    const { position, recorded } = execution.next(kind, label);
    if (recorded) return recorded.result as T;
    const value = await fetch();
    execution.buffer({ position, kind, label, result: value });
    return value;
  }

  return {
    async sleep({ duration, label }) {
      const name = label ?? "sleep";
      const { position, recorded } = execution.next("sleep", name);
      const now = execution.now();
      if (!recorded) {
        const record: SleepRecord = {
          sleptAt: now.toISOString(),
          wakeAt: new Date(now.getTime() + durationToMs(duration)).toISOString(),
        };
        const wakeAt = new Date(record.wakeAt);
        await execution.commit(
          { type: "sleep", wakeAt },
          [{ position, kind: "sleep", label: name, result: record }],
          {
            ...(label === undefined ? {} : { nodeId: label }),
          },
        );
        return execution.stop({ type: "suspended", dueAt: wakeAt });
      }
      const record = recorded.result as SleepRecord;
      const wakeAt = new Date(record.wakeAt);
      if (now < wakeAt) {
        await execution.commit({ type: "sleep", wakeAt }, []);
        return execution.stop({ type: "suspended", dueAt: wakeAt });
      }
      if (record.resumedAt === undefined) {
        // Recorded with the next durable commit so later replays report the same resume time.
        execution.buffer({ ...recorded, result: { ...record, resumedAt: now.toISOString() } });
        return { sleptAt: record.sleptAt, resumedAt: now.toISOString() };
      }
      return { sleptAt: record.sleptAt, resumedAt: record.resumedAt };
    },

    async sleepUntil(until, opts) {
      const label = opts?.label ?? "sleepUntil";
      const result = await sleepUntilDecided(execution, "sleep_until", label, label, async (now) => {
        if (until instanceof Date) {
          if (Number.isNaN(until.getTime()))
            throw new NonRetryableError("ctx.sleepUntil: the Date is invalid");
          return { wakeAt: until, detail: { until: until.toISOString() } };
        }
        const target = checkSleepTarget(until);
        const zone = await chooseTimeZone(db, execution.userId, target.timezone, execution.defaultTimeZone);
        return {
          wakeAt: nextWallClock(now, target, zone.timeZone),
          detail: {
            until: target,
            timeZone: zone.timeZone,
            timeZoneSource: zone.source,
            ...(zone.invalid === undefined ? {} : { invalidContactTimeZone: zone.invalid }),
          },
        };
      });
      return { sleptAt: result.sleptAt, wakeAt: result.wakeAt, resumedAt: result.resumedAt };
    },

    async variant(name, arms) {
      const { position, recorded } = execution.next("variant", name);
      if (recorded) return (recorded.result as { arm: never }).arm;
      const key = execution.key(position);
      const picked = pickVariant({ journeyId: key.journeyId, userId: key.userId, name }, arms);
      execution.buffer({ position, kind: "variant", label: name, result: picked });
      return picked.arm;
    },

    async checkpoint(label) {
      const { position, recorded } = execution.next("checkpoint", label);
      if (!recorded) execution.buffer({ position, kind: "checkpoint", label, result: null }, label);
    },

    async trigger({ event, userId, userEmail, properties }) {
      await execution.emit("trigger", event, (key) => ({
        messageId: `journey:${key.idempotencyKey}`,
        event,
        userId,
        userEmail: userEmail ?? null,
        properties: properties ?? {},
        occurredAt: execution.now(),
        source: "journey",
      }));
    },

    guard: {
      isSubscribed: () =>
        read("guard.isSubscribed", "", () =>
          execution.readers?.isSubscribed
            ? execution.readers.isSubscribed(db, execution.userId)
            : isUserSubscribed(db, execution.userId),
        ),
    },

    history: {
      hasEvent: ({ userId, event, within }) =>
        read("history.hasEvent", event, async () => {
          const since = within ? new Date(execution.now().getTime() - durationToMs(within)) : undefined;
          const count = await countUserEvents(db, { userId, event, since });
          return { found: count > 0, count };
        }),
      journey: ({ userId, journeyId }) =>
        read("history.journey", journeyId, async () => {
          const result = await db.query<{ entries: number; completed: number; last: Date | null }>(
            `SELECT count(*)::int AS entries, count(*) FILTER (WHERE status = 'completed')::int AS completed,
                    max(completed_at) FILTER (WHERE status = 'completed') AS last
               FROM journey_runs WHERE user_id = $1 AND journey_id = $2`,
            [userId, journeyId],
          );
          const row = result.rows[0];
          return {
            completed: (row?.completed ?? 0) > 0,
            lastCompletedAt: row?.last ? row.last.toISOString() : null,
            entryCount: row?.entries ?? 0,
          };
        }),
      email: ({ email, template }) =>
        read("history.email", template, () => {
          if (!execution.readers) throw new Error("ctx.history.email: this engine was started without email");
          return execution.readers.emailHistory(db, { email, template });
        }),
    },

    async waitForEvent({ event, where, timeout, label }) {
      const { position, recorded } = execution.next("wait", label);
      const now = execution.now();
      if (!recorded) {
        const record: WaitRecord = {
          status: "waiting",
          since: now.toISOString(),
          timeoutAt: new Date(now.getTime() + durationToMs(timeout)).toISOString(),
        };
        const timeoutAt = new Date(record.timeoutAt);
        await execution.commit(
          { type: "wait", timeoutAt, event, where: where ?? null, position },
          [{ position, kind: "wait", label, result: record }],
          { nodeId: label },
        );
        return execution.stop({ type: "suspended", dueAt: timeoutAt });
      }
      const record = recorded.result as WaitRecord;
      if (record.status === "received") return record.event;
      if (record.status === "timed_out") return null;
      const timeoutAt = new Date(record.timeoutAt);
      if (now < timeoutAt) {
        await execution.commit({ type: "wait", timeoutAt, event, where: where ?? null, position }, []);
        return execution.stop({ type: "suspended", dueAt: timeoutAt });
      }
      execution.buffer({ ...recorded, result: { ...record, status: "timed_out" } });
      return null;
    },

    step(name, fn) {
      return stepOnce(execution, name, fn);
    },
  };
}

/** The same bad target fails on every retry: fail the run now, naming the field. */
function checkSleepTarget(target: SleepUntilTime): SleepUntilTime {
  const problem =
    typeof target !== "object" || target === null
      ? "pass a Date or { hour, minute?, weekday?, timezone? }"
      : !Number.isInteger(target.hour) || target.hour < 0 || target.hour > 23
        ? "hour must be an integer 0–23"
        : target.minute !== undefined &&
            (!Number.isInteger(target.minute) || target.minute < 0 || target.minute > 59)
          ? "minute must be an integer 0–59"
          : target.weekday !== undefined && !(WEEKDAYS as readonly string[]).includes(target.weekday)
            ? `weekday must be one of ${WEEKDAYS.join(", ")}`
            : target.timezone !== undefined &&
                target.timezone !== "contact" &&
                !isValidTimeZone(target.timezone)
              ? `timezone "${String(target.timezone)}" is not an IANA time zone (or "contact")`
              : undefined;
  if (problem) throw new NonRetryableError(`ctx.sleepUntil: ${problem}`);
  return {
    hour: target.hour,
    ...(target.minute === undefined ? {} : { minute: target.minute }),
    ...(target.weekday === undefined ? {} : { weekday: target.weekday }),
    ...(target.timezone === undefined ? {} : { timezone: target.timezone }),
  };
}

async function stepOnce<T>(
  execution: ContextExecution,
  name: string,
  fn: (info: { idempotencyKey: string }) => Promise<T> | T,
): Promise<T> {
  const { position, recorded } = execution.next("step", name);
  if (recorded) return (recorded.result as { v?: T } | null)?.v as T;
  const value = await fn({ idempotencyKey: execution.key(position).idempotencyKey });
  const result = { v: value === undefined ? undefined : JSON.parse(JSON.stringify(value)) };
  await execution.commit({ type: "progress" }, [{ position, kind: "step", label: name, result }]);
  return result.v as T;
}
