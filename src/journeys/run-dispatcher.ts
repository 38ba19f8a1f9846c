import { isConnectionError } from "../db/database.js";
import type { Logger } from "../lib/logger.js";
import type { HogsendMetrics } from "../metrics/hogsend-metrics.js";
import type { JourneyRegistry } from "./journey-registry.js";
import { claimDueRuns, loadJournals, releaseRunLeases, renewRunLeases } from "./journey-store.js";
import { type ReplayDeps, type ReplayOutcome, RunReplay } from "./run-replay.js";

export interface DispatcherDeps extends ReplayDeps {
  registry: JourneyRegistry;
  leaseMs: number;
  logger: Logger;
  /** Told about each finished execution (the worker uses it to schedule short wake-ups locally). */
  onOutcome?: (outcome: ReplayOutcome) => void;
  /** Wake lag per claimed run, executions by outcome and their duration: counters, no I/O. */
  metrics?: HogsendMetrics;
}

/**
 * Claims due runs in batches and hands each to a `RunReplay` (one execution of one run), concurrently, tracking
 * what it holds for lease renewal.
 */
export class RunDispatcher {
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #journeyIds: string[];
  /** Runs whose execution lost the database: their leases are given back as soon as it answers again. */
  readonly #orphaned = new Set<string>();

  constructor(readonly deps: DispatcherDeps) {
    this.#journeyIds = deps.registry.journeys.map((j) => j.meta.id);
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get journeyIds(): readonly string[] {
    return this.#journeyIds;
  }

  /** Claims up to `limit` due runs and starts executing them; returns how many it claimed. */
  async claimAndStart(limit: number): Promise<number> {
    const { deps } = this;
    const runs = await claimDueRuns(deps.db, {
      owner: deps.owner,
      now: deps.clock.now(),
      leaseMs: deps.leaseMs,
      limit,
      journeyIds: this.#journeyIds,
    });
    if (runs.length === 0) return 0;
    const metrics = deps.metrics?.journeys;
    if (metrics) {
      const claimedAt = deps.clock.now().getTime();
      for (const run of runs) {
        if (run.dueAt) metrics.wakeLag.observe(Math.max(0, claimedAt - run.dueAt.getTime()) / 1000);
      }
    }
    const journals = await loadJournals(
      deps.db,
      runs.map((r) => r.id),
    ).catch(async (error: unknown) => {
      await releaseRunLeases(
        deps.db,
        runs.map((r) => r.id),
        deps.owner,
      ).catch(() => {});
      throw error;
    });
    for (const run of runs) {
      const journey = deps.registry.get(run.journeyId);
      if (!journey) continue;
      const execution = new RunReplay(deps, journey, run, journals.get(run.id) ?? new Map());
      const started = performance.now();
      const promise = execution
        .execute()
        .then((outcome) => {
          if (metrics) {
            metrics.executions.inc({ journey: run.journeyId, outcome: outcome.type });
            metrics.executionDuration.observe(
              { journey: run.journeyId },
              (performance.now() - started) / 1000,
            );
          }
          deps.onOutcome?.(outcome);
        })
        .catch((error: unknown) => {
          // The transaction rolled back (or its COMMIT's answer was lost): either way the journal is the truth,
          // and replaying the run from it is safe. Give the lease back once the database is there rather than
          // leave the run stranded until the lease expires. The outage itself is logged once by the database.
          if (isConnectionError(error)) {
            this.#orphaned.add(run.id);
            return;
          }
          // Anything else mid-settlement: the lease runs out and the run is taken over and replayed.
          deps.logger.error({ err: error, runId: run.id, journeyId: run.journeyId }, "run execution failed");
        })
        .finally(() => this.#inFlight.delete(run.id));
      this.#inFlight.set(run.id, promise);
    }
    return runs.length;
  }

  /** Waits for every execution in hand (or until `timeoutMs`); returns the ids still running. */
  async settle(timeoutMs = Number.POSITIVE_INFINITY): Promise<string[]> {
    const all = Promise.allSettled([...this.#inFlight.values()]);
    if (Number.isFinite(timeoutMs)) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    } else {
      await all;
    }
    return [...this.#inFlight.keys()];
  }

  async renewLeases(): Promise<void> {
    await renewRunLeases(this.deps.db, {
      ids: [...this.#inFlight.keys()],
      owner: this.deps.owner,
      now: this.deps.clock.now(),
      leaseMs: this.deps.leaseMs,
    });
  }

  /** Gives back the leases of runs whose execution lost the database (see `claimAndStart`); throws if still down. */
  async releaseOrphaned(): Promise<number> {
    const ids = [...this.#orphaned].filter((id) => !this.#inFlight.has(id));
    if (ids.length === 0) return 0;
    await releaseRunLeases(this.deps.db, ids, this.deps.owner);
    for (const id of ids) this.#orphaned.delete(id);
    return ids.length;
  }

  async releaseLeases(ids: readonly string[]): Promise<void> {
    await releaseRunLeases(this.deps.db, ids, this.deps.owner);
  }
}
