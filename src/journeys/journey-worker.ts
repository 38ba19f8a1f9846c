import { randomUUID } from "node:crypto";
import os from "node:os";
import { type Database, isConnectionError } from "../db/database.js";
import { startListenConnection } from "../db/listen-connection.js";
import { EVENTS_CHANNEL } from "../events/event-types.js";
import { quarantineHeadEvent } from "../events/routing-dead-letters.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { WakeSignal } from "../lib/wake-signal.js";
import type { HogsendMetrics } from "../metrics/hogsend-metrics.js";
import type { RunServices } from "./durable-effect.js";
import { routeBatch } from "./event-router.js";
import type { JourneyReaders } from "./journey-context.js";
import { foldJourneyCounters } from "./journey-counter-store.js";
import { JOURNEY_OVERRIDES_CHANNEL, loadEnabledOverrides } from "./journey-override-store.js";
import type { JourneyRegistry } from "./journey-registry.js";
import { nextDueAt, RUNS_CHANNEL } from "./journey-store.js";
import type { PersonPropertyLookup } from "./person-property-lookup.js";
import { PoisonEventPolicy } from "./poison-event-policy.js";
import { rebalancePartitions, releasePartitions } from "./routing-partitions.js";
import { createBatchingCommitter } from "./run-committer.js";
import { RunDispatcher } from "./run-dispatcher.js";

export interface JourneyWorkerOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  registry: JourneyRegistry;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  routeBatchSize?: number;
  retry?: { attempts: number; backoffMs: number };
  owner?: string;
  /** Services for code inside runs (email's templates) and the readers behind ctx.history, from app.ts. */
  services?: RunServices;
  readers?: JourneyReaders;
  /** Counts routed and dead-lettered events, executions and wake lag (none when unset: harness, benchmarks). */
  metrics?: HogsendMetrics;
  /** HOGSEND_DEFAULT_TIMEZONE: the zone for contacts without a valid `timezone` property. */
  defaultTimeZone?: string;
  /**
   * Executes due runs here (default). False when another engine executes them (HOGSEND_ENGINE=hatchet): this worker
   * then only routes events, and the runs it creates or resumes are handed to that engine.
   */
  execute?: boolean;
  /** Person properties for journeys with `meta.personLookup` (PostHog's persons API), from app.ts. */
  personLookup?: PersonPropertyLookup | undefined;
}

export interface JourneyWorker {
  readonly owner: string;
  /** Stops claiming, lets executions finish up to `graceMs`, releases what is left, closes LISTEN. */
  stop(graceMs: number): Promise<void>;
}

/** Backstop re-read of the enable/disable overrides, for a notification lost while LISTEN was down. */
export const OVERRIDES_REREAD_MS = 5_000;

/** How often a worker folds Studio's journey counter deltas into the totals. */
export const COUNTER_FOLD_MS = 5_000;

export const DEFAULT_RETRY = { attempts: 3, backoffMs: 10_000 };

/**
 * The worker's loops: a router (routing partitions leased from Postgres, batches of queued events) and an
 * executor (claims due runs, executes them by replay), woken by LISTEN/NOTIFY and by a poll as backstop.
 */
export async function startJourneyWorker(options: JourneyWorkerOptions): Promise<JourneyWorker> {
  const owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const { db, clock, logger } = options;
  const log = logger.child({ component: "journeys", owner });
  const routerWake = new WakeSignal();
  const executorWake = new WakeSignal();
  let stopping = false;
  let localWakeTimer: NodeJS.Timeout | undefined;
  let localWakeAt = Number.POSITIVE_INFINITY;
  // Runtime enable/disable overrides: re-read when notified, when LISTEN comes back, and at least every
  // OVERRIDES_REREAD_MS as a backstop, always by the router loop itself before its next batch.
  let overrides: ReadonlyMap<string, boolean> | undefined;
  let overridesReadAt = 0;
  let overridesGeneration = 0;
  const dropOverrides = () => {
    overrides = undefined;
    overridesGeneration += 1;
  };

  const scheduleLocalWake = (at: Date) => {
    const ms = at.getTime() - clock.now().getTime();
    if (ms >= options.pollIntervalMs || at.getTime() >= localWakeAt) return;
    clearTimeout(localWakeTimer);
    localWakeAt = at.getTime();
    localWakeTimer = setTimeout(
      () => {
        localWakeAt = Number.POSITIVE_INFINITY;
        executorWake.notify();
      },
      Math.max(0, ms),
    );
  };

  const dispatcher = new RunDispatcher({
    db,
    clock,
    owner,
    registry: options.registry,
    leaseMs: options.leaseMs,
    logger: log,
    retry: options.retry ?? DEFAULT_RETRY,
    committer: createBatchingCommitter(db),
    ...(options.services ? { services: options.services } : {}),
    ...(options.readers ? { readers: options.readers } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.defaultTimeZone ? { defaultTimeZone: options.defaultTimeZone } : {}),
    onOutcome: (outcome) => {
      if (outcome.type === "suspended" || outcome.type === "retrying") scheduleLocalWake(outcome.dueAt);
      executorWake.notify();
    },
  });

  const listener = startListenConnection({
    url: db.url,
    channels: [EVENTS_CHANNEL, RUNS_CHANNEL, JOURNEY_OVERRIDES_CHANNEL],
    logger: log,
    onNotification: (channel) => {
      if (channel === JOURNEY_OVERRIDES_CHANNEL) {
        dropOverrides();
        routerWake.notify();
        return;
      }
      (channel === EVENTS_CHANNEL ? routerWake : executorWake).notify();
    },
    // Whatever was notified while LISTEN was down is found by one immediate sweep of both loops.
    onReconnect: () => {
      dropOverrides();
      routerWake.notify();
      executorWake.notify();
    },
  });

  const batchSize = options.routeBatchSize ?? 500;
  const rebalanceEveryMs = Math.max(200, Math.floor(options.leaseMs / 3));

  async function routerLoop(): Promise<void> {
    let owned: number[] = [];
    let lastRebalance = 0;
    const poison = new PoisonEventPolicy();
    while (!stopping) {
      if (Date.now() - lastRebalance >= rebalanceEveryMs) {
        try {
          owned = await rebalancePartitions(db, { owner, now: clock.now(), leaseMs: options.leaseMs });
          lastRebalance = Date.now();
        } catch (error) {
          // An outage is logged once by the database; partitions whose lease lapses meanwhile are retaken after.
          if (!isConnectionError(error))
            log.warn({ err: error }, "renewing routing partitions failed; retrying");
          await routerWake.wait(options.pollIntervalMs);
          continue;
        }
      }
      try {
        if (overrides === undefined || Date.now() - overridesReadAt >= OVERRIDES_REREAD_MS) {
          overridesReadAt = Date.now();
          const generation = overridesGeneration;
          // Unreadable now: the batch reads them in its own transaction instead (routeBatch without overrides).
          const read = await loadEnabledOverrides(db).catch(() => undefined);
          // A notification that arrived during the read makes it stale: read again next batch.
          overrides = generation === overridesGeneration ? read : undefined;
        }
        const limit = poison.batchLimit(batchSize);
        const routed = await routeBatch(
          { db, clock, registry: options.registry, overrides, personLookup: options.personLookup },
          owned,
          limit,
        );
        poison.routed(routed.events);
        if (routed.events > 0) options.metrics?.events.routed.inc(routed.events);
        if (routed.events >= limit) continue;
      } catch (error) {
        const decision = poison.failed(error);
        if (decision.kind === "isolate") {
          log.warn({ err: error }, "a routing batch failed; routing one event at a time to find the cause");
          continue;
        }
        if (decision.kind === "quarantine") {
          const eventId = await quarantineHeadEvent(db, owned, {
            error,
            attempts: decision.attempts,
            now: clock.now(),
          }).catch((quarantineError: unknown) => {
            log.error({ err: quarantineError }, "could not move a failing event aside; retrying");
            return undefined;
          });
          if (eventId !== undefined) {
            log.error(
              { err: error, eventId, attempts: decision.attempts },
              "event could not be routed; moved to event_routing_failures (GET /v1/admin/events/routing-failures)",
            );
            poison.quarantined();
            options.metrics?.events.deadLettered.inc();
            continue;
          }
        } else if (decision.reason === "everything_fails") {
          log.error(
            { err: error, quarantinesInARow: decision.quarantinesInARow },
            "routing fails for every event; not moving more aside, retrying until it recovers",
          );
        } else if (decision.reason === "head_failed") {
          log.warn({ err: error, attempt: decision.attempt }, "routing one event failed; retrying");
        } else if (!isConnectionError(error)) {
          // An outage is logged once by the database itself.
          log.warn({ err: error }, "routing failed; retrying");
        }
      }
      const untilRebalance = rebalanceEveryMs - (Date.now() - lastRebalance);
      await routerWake.wait(Math.min(options.pollIntervalMs, Math.max(0, untilRebalance)));
    }
  }

  async function executorLoop(): Promise<void> {
    const ids = dispatcher.journeyIds;
    if (ids.length === 0 || options.execute === false) return;
    while (!stopping) {
      let waitMs = options.pollIntervalMs;
      try {
        if ((await dispatcher.releaseOrphaned()) > 0) continue;
        const free = options.concurrency - dispatcher.inFlight;
        if (free > 0) {
          const claimed = await dispatcher.claimAndStart(free);
          if (claimed === free) {
            // A backlog: wait for half the slots to free up before claiming again, so claims stay batched.
            await executorWake.wait(20);
            continue;
          }
          if (claimed > 0) continue;
          const next = await nextDueAt(db, clock.now(), ids);
          if (next) waitMs = Math.min(waitMs, next.getTime() - clock.now().getTime());
        } else {
          waitMs = 20;
        }
      } catch (error) {
        if (!isConnectionError(error)) log.error({ err: error }, "claiming runs failed; retrying");
      }
      await executorWake.wait(waitMs);
    }
  }

  const heartbeat = setInterval(
    () => {
      dispatcher.renewLeases().catch((error: unknown) => {
        if (!isConnectionError(error)) log.warn({ err: error }, "lease renewal failed");
      });
    },
    Math.max(100, Math.floor(options.leaseMs / 3)),
  );

  // Studio's counters: the deltas the triggers append are folded into the totals, so reads stay small.
  const folding = setInterval(() => {
    foldJourneyCounters(db).catch((error: unknown) => {
      if (!isConnectionError(error)) log.warn({ err: error }, "folding journey counters failed");
    });
  }, COUNTER_FOLD_MS);
  folding.unref();

  const loops = Promise.all([routerLoop(), executorLoop()]);
  log.debug({ journeys: dispatcher.journeyIds }, "journey worker started");

  return {
    owner,
    async stop(graceMs) {
      if (stopping) return;
      stopping = true;
      routerWake.notify();
      executorWake.notify();
      clearTimeout(localWakeTimer);
      await loops;
      const left = await dispatcher.settle(graceMs);
      clearInterval(heartbeat);
      clearInterval(folding);
      await dispatcher.releaseLeases(left).catch(() => {});
      await releasePartitions(db, owner).catch(() => {});
      await listener.close();
      log.debug({ abandoned: left.length }, "journey worker stopped");
    },
  };
}
