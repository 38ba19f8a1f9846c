import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import type { Queryable } from "../db/database.js";
import type { TimedSleepResult } from "./durable-sleep.js";
import type { JourneyMeta } from "./journey-types.js";

/**
 * The effect port: how code outside the engine (`sendEmail` in `email/`) performs a durable operation inside the
 * run that is executing, without the engine knowing that code. The engine sets the active run while a journey's
 * `run` executes; modules find it with `currentRun()` and read the services the composition root handed the
 * engine for them (`run.service(key)`), so nothing is bound per process.
 */

/** Identifies one durable operation of one run. */
export interface EffectKey {
  runId: string;
  journeyId: string;
  userId: string;
  position: number;
  /** `${runId}:${position}`: stable across replays and retries, unique per operation. */
  idempotencyKey: string;
}

/** A typed key for a service a module needs inside runs (e.g. email's template registry). */
export interface RunServiceKey<T> {
  readonly name: string;
  /** Type carrier only; never set. */
  readonly __type?: T;
}

export function runServiceKey<T>(name: string): RunServiceKey<T> {
  return Object.freeze({ name });
}

/** Services handed to the engine by the composition root, by key. */
export type RunServices = ReadonlyMap<RunServiceKey<unknown>, unknown>;

/** One entry of a RunServices map, typed by its key. */
export function provideRunService<T>(key: RunServiceKey<T>, value: T): [RunServiceKey<unknown>, unknown] {
  return [key, value];
}

/** Builds a RunServices map from `provideRunService` entries. */
export function runServices(...entries: Array<[RunServiceKey<unknown>, unknown]>): RunServices {
  return new Map(entries);
}

/** The run whose code is executing right now, as seen by standalone helpers such as `sendEmail`. */
export interface ActiveRun {
  runId: string;
  journeyId: string;
  journeyName: string;
  userId: string;
  /** The journey's meta (includes `suppress`). */
  meta: JourneyMeta;
  /** The engine clock. */
  now(): Date;
  /** The zone for contacts without a valid `timezone` property (HOGSEND_DEFAULT_TIMEZONE). */
  defaultTimeZone: string;
  /**
   * A durable sleep to a time `decide` computes at the first execution only (a send window's opening): the
   * decision and its `detail` are journaled under `kind`/`label`, the run suspends until `wakeAt` (null: no wait),
   * and replays read the record back.
   */
  sleepUntil(
    kind: string,
    label: string,
    nodeId: string,
    decide: (now: Date, q: Queryable) => Promise<{ wakeAt: Date | null; detail: Record<string, unknown> }>,
  ): Promise<TimedSleepResult>;
  /** A service the composition root provided for runs, or undefined. */
  service<T>(key: RunServiceKey<T>): T | undefined;
  /**
   * A durable effect: on replay returns the recorded result; otherwise runs `perform` inside the transaction that
   * writes the journal entry (fenced), so the effect row and the journal entry commit together or not at all.
   * `T` must be JSON-serialisable (it is journaled).
   */
  effect<T>(
    kind: string,
    label: string,
    perform: (tx: pg.PoolClient, key: EffectKey) => Promise<T>,
  ): Promise<T>;
}

const activeRunStorage = new AsyncLocalStorage<ActiveRun>();

/** Runs `fn` with `run` as the active run (the engine calls this around a journey's `run`). */
export function withActiveRun<T>(run: ActiveRun, fn: () => T): T {
  return activeRunStorage.run(run, fn);
}

/** The active run, set while a journey's `run` function executes; undefined outside a journey. */
export function currentRun(): ActiveRun | undefined {
  return activeRunStorage.getStore();
}
