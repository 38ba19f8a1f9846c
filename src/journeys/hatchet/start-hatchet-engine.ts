import type { HatchetClient } from "@hatchet-dev/typescript-sdk/v1/index.js";
import { type Database, isConnectionError } from "../../db/database.js";
import { startListenConnection } from "../../db/listen-connection.js";
import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import { WakeSignal } from "../../lib/wake-signal.js";
import type { HogsendMetrics } from "../../metrics/hogsend-metrics.js";
import type { RunServices } from "../durable-effect.js";
import {
  bindEngineRuns,
  claimRunsForEngine,
  type EngineHandoff,
  listEngineRunsToCancel,
  unbindEngineRuns,
} from "../engine-run-store.js";
import type { JourneyReaders } from "../journey-context.js";
import type { JourneyRegistry } from "../journey-registry.js";
import { RUNS_CHANNEL } from "../journey-store.js";
import { createBatchingCommitter } from "../run-committer.js";
import { executeOnHatchet, type JourneyTaskInput, WAKE_EVENT } from "./execute-on-hatchet.js";

export interface HatchetEngineOptions {
  hatchet: HatchetClient;
  db: Database;
  clock: Clock;
  logger: Logger;
  registry: JourneyRegistry;
  /** Durable task slots of this worker (HOGSEND_WORKER_CONCURRENCY). */
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  retry: { attempts: number; backoffMs: number };
  services?: RunServices;
  readers?: JourneyReaders;
  metrics?: HogsendMetrics;
  defaultTimeZone?: string;
  /** A run parked on Hatchet's own sleep is woken by us only this long after it was due (default 5 s). */
  wakeGraceMs?: number;
  /** How long a hand-over waits for Hatchet to pick the run up before trying again (default 30 s). */
  handoffMs?: number;
  /** A durable task waiting longer than this leaves its worker slot (Hatchet eviction; default "10s"). */
  evictAfter?: `${number}s` | `${number}m`;
  /** The Hatchet worker's name (default "hogsend"). */
  workerName?: string;
  /** Starts the hand-over and cancel loops (default true; the harness drives them itself). */
  loops?: boolean;
  /** Wakes runs parked on Hatchet's own sleep once due by `clock` (the harness: virtual time, not Hatchet's). */
  wakeParked?: boolean;
}

export interface HatchetEngine {
  /** Hands due runs to Hatchet once: starts engine runs for new ones, wakes the rest; returns how many. */
  handOff(limit?: number): Promise<number>;
  /** Cancels the engine runs of runs that ended while they slept (exits, admin cancels); returns how many. */
  cancelEnded(limit?: number): Promise<number>;
  stop(): Promise<void>;
}

/** The durable task of one journey, by name (namespaced by the client when HATCHET_CLIENT_NAMESPACE is set). */
export const journeyTaskName = (journeyId: string) => `hogsend-${journeyId}`;

/**
 * The Hatchet engine (HOGSEND_ENGINE=hatchet): one durable task per journey on a Hatchet worker, a hand-over loop
 * that starts or wakes engine runs for due journey runs, and a sweep that cancels the engine runs of runs that ended
 * from outside (best effort: a cancelled or not, a woken run finds itself ended and stops). Routing, guards, exits,
 * journals and the email outbox are the same code and tables as on the Postgres engine.
 */
export async function startHatchetEngine(options: HatchetEngineOptions): Promise<HatchetEngine> {
  const { hatchet, db, clock } = options;
  const log = options.logger.child({ component: "hatchet-engine" });
  const metrics = options.metrics?.journeys;
  const committer = createBatchingCommitter(db);
  const journeyIds = options.registry.journeys.map((j) => j.meta.id);
  const tasks = new Map(
    options.registry.journeys.map((journey) => [
      journey.meta.id,
      hatchet.durableTask({
        name: journeyTaskName(journey.meta.id),
        // A run lives as long as its journey sleeps; the waits themselves hold no slot once evicted.
        executionTimeout: "8760h",
        scheduleTimeout: "24h",
        retries: 0,
        evictionPolicy: { ttl: options.evictAfter ?? "10s", allowCapacityEviction: true },
        fn: (input: JourneyTaskInput, ctx) =>
          executeOnHatchet(
            {
              db,
              clock,
              leaseMs: options.leaseMs,
              logger: log,
              retry: options.retry,
              committer,
              ...(options.services ? { services: options.services } : {}),
              ...(options.readers ? { readers: options.readers } : {}),
              ...(options.defaultTimeZone ? { defaultTimeZone: options.defaultTimeZone } : {}),
              onOutcome: (journeyId, outcome, seconds) => {
                metrics?.executions.inc({ journey: journeyId, outcome: outcome.type });
                metrics?.executionDuration.observe({ journey: journeyId }, seconds);
              },
            },
            journey,
            input,
            ctx,
          ),
      }),
    ]),
  );

  const worker = await hatchet.worker(options.workerName ?? "hogsend", {
    workflows: [...tasks.values()],
    slots: options.concurrency,
    durableSlots: options.concurrency,
    handleKill: false,
  });
  const running = worker
    .start()
    .catch((error: unknown) => log.error({ err: error }, "Hatchet worker stopped"));
  await worker.waitUntilReady(120_000);

  async function handOff(limit = 500): Promise<number> {
    const claimed = await claimRunsForEngine(db, {
      now: clock.now(),
      graceMs: options.wakeGraceMs ?? 5_000,
      handoffMs: options.handoffMs ?? 30_000,
      limit,
      journeyIds,
      wakeParked: options.wakeParked === true,
    });
    if (claimed.length === 0) return 0;
    // A failure here leaves the hand-over lease to run out, and the runs are handed over again.
    await Promise.all([
      wake(claimed.filter((c) => c.action === "wake")),
      start(claimed.filter((c) => c.action === "start")),
    ]);
    return claimed.length;
  }

  async function wake(runs: EngineHandoff[]): Promise<void> {
    if (runs.length === 0) return;
    await hatchet.events.bulkPush(
      WAKE_EVENT,
      runs.map((run) => ({ payload: { runId: run.runId }, scope: run.runId })),
    );
  }

  async function start(runs: EngineHandoff[]): Promise<void> {
    const byJourney = new Map<string, EngineHandoff[]>();
    for (const run of runs) byJourney.set(run.journeyId, [...(byJourney.get(run.journeyId) ?? []), run]);
    for (const [journeyId, group] of byJourney) {
      const task = tasks.get(journeyId);
      if (!task) continue;
      const refs = await task.runNoWait(
        group.map((run) => ({ runId: run.runId })),
        { additionalMetadata: { hogsendJourney: journeyId } },
      );
      const ids = await Promise.all(refs.map((ref) => ref.getWorkflowRunId()));
      await bindEngineRuns(
        db,
        group.map((run, i) => ({ runId: run.runId, engineRef: ids[i] ?? "" })).filter((b) => b.engineRef),
      );
    }
  }

  async function cancelEnded(limit = 500): Promise<number> {
    const ended = await listEngineRunsToCancel(db, limit);
    if (ended.length === 0) return 0;
    await hatchet.runs.cancel({ ids: ended.map((run) => run.engineRef) }).catch((error: unknown) => {
      // Best effort: an engine run that is not cancelled wakes at its time, finds its run ended and stops.
      log.debug({ err: error, runs: ended.length }, "cancelling ended runs on Hatchet failed");
    });
    await unbindEngineRuns(db, ended);
    return ended.length;
  }

  let stopping = false;
  const wakeUp = new WakeSignal();
  const listener =
    options.loops === false
      ? undefined
      : startListenConnection({
          url: db.url,
          channels: [RUNS_CHANNEL],
          logger: log,
          onNotification: () => wakeUp.notify(),
          onReconnect: () => wakeUp.notify(),
        });

  async function loop(): Promise<void> {
    let lastSweep = 0;
    while (!stopping) {
      try {
        const handed = await handOff();
        if (Date.now() - lastSweep >= options.pollIntervalMs) {
          lastSweep = Date.now();
          await cancelEnded();
        }
        if (handed > 0) continue;
      } catch (error) {
        if (!isConnectionError(error)) log.warn({ err: error }, "handing runs to Hatchet failed; retrying");
      }
      await wakeUp.wait(options.pollIntervalMs);
    }
  }
  const loops = options.loops === false ? Promise.resolve() : loop();
  log.info({ journeys: journeyIds }, "journeys run on Hatchet");

  return {
    handOff,
    cancelEnded,
    async stop() {
      if (stopping) return;
      stopping = true;
      wakeUp.notify();
      await loops;
      await listener?.close();
      await worker.stop().catch(() => {});
      await running;
    },
  };
}
