import type { DurationObject } from "../lib/duration.js";

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
