import type pg from "pg";
import { activeRunStorage } from "./active-run-storage.js";
import type { JourneyMeta } from "./journey-types.js";

/** Identifies one durable operation of one run. */
export interface EffectKey {
  runId: string;
  journeyId: string;
  userId: string;
  position: number;
  /** `${runId}:${position}`: stable across replays and retries, unique per operation. */
  idempotencyKey: string;
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

/** The active run, set while a journey's `run` function executes; undefined outside a journey. */
export function currentRun(): ActiveRun | undefined {
  return activeRunStorage.getStore();
}
