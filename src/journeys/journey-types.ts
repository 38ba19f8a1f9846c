import type { DurationObject } from "../lib/duration.js";
import type { SendWindowSpec, WallClockTarget } from "../lib/zoned-time.js";

export type { Weekday } from "../lib/zoned-time.js";

/**
 * When email may go out. A send outside the window waits durably (a journaled sleep, label `send_window`) until
 * the window next opens, then goes. `timezone` is an IANA id such as `"Europe/Berlin"`, or `"contact"` (the
 * default): the contact's `timezone` property when it holds a valid IANA id, else `HOGSEND_DEFAULT_TIMEZONE`.
 *
 * @example
 * sendWindow: { days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "18:00", timezone: "contact" }
 */
export interface SendWindow extends SendWindowSpec {
  timezone?: "contact" | (string & {});
}

/**
 * A wall-clock wake time for `ctx.sleepUntil`: the next `hour:minute` (on `weekday`, when given) in `timezone`
 * (an IANA id, or `"contact"`, the default: the contact's `timezone` property, else `HOGSEND_DEFAULT_TIMEZONE`).
 */
export interface SleepUntilTime extends WallClockTarget {
  timezone?: "contact" | (string & {});
}

/** Comparison applied by a `PropertyCondition`. */
export type ConditionOperator =
  | "eq"
  | "neq"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "exists"
  | "not_exists"
  | "contains";

/**
 * One condition on a property. `source: "context"` reads the event's properties; `source: "contact"` reads the
 * contact's stored properties (as merged from `$set` / `$set_once`). `property` may be a dotted path (`plan.tier`).
 * All conditions of a `where` list must pass (AND).
 */
export interface PropertyCondition {
  type: "property";
  source: "context" | "contact";
  property: string;
  operator: ConditionOperator;
  /** Not used by `exists` / `not_exists`. */
  value?: string | number | boolean | null;
}

/** An event name plus optional conditions on it, as used by `trigger`, `exitOn` and `waitForEvent`. */
export interface EventRule {
  event: string;
  where?: PropertyCondition[];
}

/** How a failing run is retried. `backoff` is the first delay; each further attempt doubles it. */
export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  attempts: number;
  backoff?: DurationObject;
}

/**
 * What counts as this journey working: the user's `event` (matching `where`) within `within` of entering. The
 * first such event records a conversion on the run (`convertedAt`, the event's id and name) whatever the run's
 * status by then (completed, exited and held-out runs convert too). The event's own `occurredAt` is measured
 * against the run's entry, and only events routed after the entry event count.
 *
 * @example
 * goal: { event: "plan.upgraded", within: days(14), exitOnGoal: true }
 */
export interface JourneyGoal extends EventRule {
  within: DurationObject;
  /** Also end a live run when it converts (status `exited`, `exitReason: "goal"` in the admin API). */
  exitOnGoal?: boolean;
}

/** What a journey is and when users enter and leave it. Validated when the journey is defined and loaded. */
export interface JourneyMeta {
  /** Unique id: used in the database, the registry and `ENABLED_JOURNEYS`. */
  id: string;
  /** Human-readable name for logs and the admin API. */
  name: string;
  description?: string;
  /** `false` skips every enrollment with reason `journey_disabled`. */
  enabled: boolean;
  trigger: EventRule;
  /** `once`: ever; `once_per_period`: again after `entryPeriod`; `unlimited`: every matching event. */
  entryLimit: "once" | "once_per_period" | "unlimited";
  /** Required when `entryLimit` is `once_per_period`. */
  entryPeriod?: DurationObject;
  /** Events that end an active or waiting run at once (status `exited`). */
  exitOn?: EventRule[];
  /** Minimum time between sends within this journey. */
  suppress: DurationObject;
  /** Retry policy for a run whose code throws; default 3 attempts, 10 s first backoff. */
  retry?: RetryPolicy;
  /**
   * Quiet hours for every `sendEmail` of this journey: a send outside the window waits durably until it opens.
   * A send's own `sendWindow` overrides it (`sendWindow: false` sends at once).
   */
  sendWindow?: SendWindow;
  /**
   * Opt-in: `"posthog"` lets this journey's trigger and exit conditions on contact properties (`source: "contact"`)
   * read a property the contact lacks from the user's PostHog person (the persons API, with
   * POSTHOG_PERSONAL_API_KEY and POSTHOG_PROJECT_ID; without them only stored properties are read). Stored contact
   * properties win over PostHog's. A lookup costs one HTTP call per user not in the cache (Redis when REDIS_URL is
   * set, else in-process; POSTHOG_PERSON_CACHE_SECONDS), and PostHog limits that API (about 240 calls a minute and
   * 1,200 an hour per team). A lookup that fails or times out (POSTHOG_PERSON_LOOKUP_TIMEOUT_MS) counts as
   * missing, so routing never waits on PostHog longer than that. `waitForEvent` conditions never look up.
   */
  personLookup?: "posthog";
  /** The outcome this journey is for; conversions feed the lift report (`GET /v1/admin/journeys/{id}/lift`). */
  goal?: JourneyGoal;
  /**
   * The control group's share, 0 ≤ holdout < 1 (e.g. `0.1`). After every entry guard passes, a hash of
   * (journey id, user id) puts the user in control or not — the same answer every time for that pair. A held-out
   * run is recorded with status `held_out`: it runs no code and sends nothing, but its goal conversions count, so
   * the lift report can compare the journey against doing nothing.
   */
  holdout?: number;
}

/** The enrolled user, as `run` receives it. */
export interface JourneyUser {
  id: string;
  email: string;
  /** Properties of the event that triggered this run. */
  properties: Record<string, string | number | boolean | null>;
  /** Id of this run. */
  stateId: string;
  journeyId: string;
  journeyName: string;
}

/** An event delivered to `ctx.waitForEvent`. */
export interface ReceivedEvent {
  id: number;
  event: string;
  userId: string;
  properties: Record<string, unknown>;
  occurredAt: string;
}

/** Durable primitives available to a running journey. Every call is journaled and replayed in order. */
export interface JourneyContext {
  /**
   * Sleeps durably: the run is suspended (no memory, no timer held) and resumes after `duration`, surviving
   * restarts. The wake time is stored once. `label` becomes the run's `currentNodeId`.
   */
  sleep(opts: { duration: DurationObject; label?: string }): Promise<{ sleptAt: string; resumedAt: string }>;
  /**
   * Sleeps durably until an absolute time: a `Date`, or the next wall-clock `{ hour, minute?, weekday? }` in a
   * time zone (default: the contact's). The wake time is computed once, at the first execution, and journaled,
   * so a replay (or a DST change, or an edited contact time zone) never moves it. A time already reached resumes
   * at once. Local times skipped by a spring-forward gap resolve to just after the gap; times that occur twice
   * in a fall-back overlap resolve to the first. An invalid `timezone` fails the run (no retries).
   *
   * @example
   * await ctx.sleepUntil({ hour: 9, weekday: "mon" }); // next Monday 09:00 in the contact's time zone
   * await ctx.sleepUntil(new Date("2027-01-01T00:00:00Z"), { label: "new-year" });
   */
  sleepUntil(
    until: Date | SleepUntilTime,
    opts?: { label?: string },
  ): Promise<{ sleptAt: string; wakeAt: string; resumedAt: string }>;
  /**
   * Picks an arm of an experiment for this user: deterministic per (journey, user, `name`) — a hash, no RNG, no
   * clock — so the same user gets the same arm in every run of the journey, and journaled, so a replay returns
   * the recorded arm even if the arms or weights change later. Arms are a list (equal weights) or weights by arm
   * (`{ a: 1, b: 3 }`: b three times as often). Invalid arms fail the run (no retries).
   *
   * @example
   * const subject = await ctx.variant("subject-test", ["short", "long"]);
   */
  variant<const A extends string>(name: string, arms: readonly A[] | Readonly<Record<A, number>>): Promise<A>;
  /** Sets the run's `currentNodeId` without sleeping. */
  checkpoint(label: string): Promise<void>;
  /** Fires an event into the pipeline, exactly once, committed with this run's journal. */
  trigger(opts: {
    event: string;
    userId: string;
    userEmail?: string;
    properties?: Record<string, unknown>;
  }): Promise<void>;
  guard: {
    /** False once the user has globally unsubscribed. */
    isSubscribed(): Promise<boolean>;
  };
  history: {
    hasEvent(opts: {
      userId: string;
      event: string;
      within?: DurationObject;
    }): Promise<{ found: boolean; count: number }>;
    journey(opts: { userId: string; journeyId: string }): Promise<{
      completed: boolean;
      lastCompletedAt: string | null;
      entryCount: number;
    }>;
    email(opts: { email: string; template: string }): Promise<{
      sent: boolean;
      lastSentAt: string | null;
      count: number;
    }>;
  };
  /**
   * Suspends until an event for this user named `event` (and matching `where`) arrives, resolving with it, or
   * resolves `null` once `timeout` has passed. Only events that arrive after the wait starts count.
   */
  waitForEvent(opts: {
    event: string;
    where?: PropertyCondition[];
    timeout: DurationObject;
    label: string;
  }): Promise<ReceivedEvent | null>;
  /**
   * Runs `fn` and records its JSON result; on replay returns the recorded result without calling `fn`. `fn` runs
   * at least once (a crash after it returns and before the record commits repeats it), so pass `idempotencyKey`
   * to external APIs that accept one.
   */
  step<T>(name: string, fn: (info: { idempotencyKey: string }) => Promise<T> | T): Promise<T>;
}

export type JourneyRunFunction = (user: JourneyUser, ctx: JourneyContext) => Promise<void> | void;

/** What `defineJourney` returns: validated meta plus the run function. Register it in your journeys array. */
export interface DefinedJourney {
  readonly meta: JourneyMeta;
  readonly run: JourneyRunFunction;
}
