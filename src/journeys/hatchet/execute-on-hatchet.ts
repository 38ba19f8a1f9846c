import {
  type DurableContext,
  Or,
  SleepCondition,
  UserEventCondition,
} from "@hatchet-dev/typescript-sdk/v1/index.js";
import { type Database, isConnectionError } from "../../db/database.js";
import type { Logger } from "../../lib/logger.js";
import {
  claimRunForEngine,
  type EngineWait,
  loadEngineWaits,
  parkRunOnEngine,
  recordEngineWait,
  unbindEndedRun,
} from "../engine-run-store.js";
import { loadJournals, type RunRecord, renewRunLeases } from "../journey-store.js";
import type { DefinedJourney } from "../journey-types.js";
import { type ReplayDeps, type ReplayOutcome, RunReplay } from "../run-replay.js";

/** The Hatchet user event that wakes one waiting journey run (scoped and filtered to it). */
export const WAKE_EVENT = "hogsend:wake";

/** What each journey's durable task is given: the Hogsend run it executes. */
export interface JourneyTaskInput {
  runId: string;
  [key: string]: string;
}

export interface JourneyTaskDeps extends Omit<ReplayDeps, "owner"> {
  db: Database;
  leaseMs: number;
  logger: Logger;
  /** Told about each execution's outcome (metrics). */
  onOutcome?: (journeyId: string, outcome: ReplayOutcome, seconds: number) => void;
}

/** A previous invocation's lease is waited out in steps of at most this (it is renewed while alive). */
const LEASE_POLL_MS = 1_000;

/**
 * The body of a journey's durable task: executes one Hogsend run by replay (the same `RunReplay` the Postgres engine
 * uses, fenced by a lease, its journal and email outbox in Postgres) and, whenever the run suspends, parks on
 * Hatchet: `waitFor(Or(Sleep(remaining), UserEvent(wake, this run)))`. Hatchet holds no journey state; it decides
 * when the run executes next.
 *
 * Hatchet replays a durable task from the top after an eviction or a worker's death and checks each wait against
 * the one recorded at that position (its hash includes the sleep duration). So every wait is recorded in Postgres
 * before it is issued and re-issued verbatim on replay; only then does the loop go on.
 */
export async function executeOnHatchet(
  deps: JourneyTaskDeps,
  journey: DefinedJourney,
  input: JourneyTaskInput,
  ctx: DurableContext<JourneyTaskInput>,
): Promise<{ status: string }> {
  const { db } = deps;
  const runId = input.runId;
  const engineRef = ctx.workflowRunId();
  const owner = `hatchet:${ctx.taskRunExternalId()}:${ctx.invocationCount}`;
  const issue = (wait: EngineWait) =>
    ctx.waitFor(
      Or(
        new SleepCondition(wait.sleepFor as `${number}s`, `sleep-${wait.seq}`),
        new UserEventCondition(
          WAKE_EVENT,
          `input.runId == "${runId}"`,
          `wake-${wait.seq}`,
          undefined,
          runId,
          wait.eventsSince.toISOString(),
        ),
      ),
    );

  const recorded = await untilItWorks(deps, ctx, () => loadEngineWaits(db, engineRef));
  for (const wait of recorded) await issue(wait);
  let seq = recorded.length;

  for (;;) {
    const next = await untilItWorks(deps, ctx, () => step(deps, journey, { runId, engineRef, owner, seq }));
    if (next.done) return { status: next.status };
    await issue(next.wait);
    seq += 1;
  }
}

type Step = { done: true; status: string } | { done: false; wait: EngineWait };

/** Claims the run, executes it if it is due, and records (and parks on) the wait it needs next. */
async function step(
  deps: JourneyTaskDeps,
  journey: DefinedJourney,
  at: { runId: string; engineRef: string; owner: string; seq: number },
): Promise<Step> {
  const { db, clock } = deps;
  const { runId, engineRef, owner } = at;
  // Wake events Hatchet receives from now on count for the wait this step ends with: one pushed while this step
  // executes or parks is not lost, and the one that woke this step (received before) does not wake it again.
  // Hatchet's clock, not the journey's (the harness runs journeys on virtual time).
  const startedAt = new Date();
  let dueAt: Date;
  for (;;) {
    const claim = await claimRunForEngine(db, {
      runId,
      engineRef,
      owner,
      now: clock.now(),
      leaseMs: deps.leaseMs,
    });
    if (claim.kind === "missing" || claim.kind === "superseded") return { done: true, status: claim.kind };
    if (claim.kind === "ended") {
      await unbindEndedRun(db, runId, engineRef);
      return { done: true, status: claim.run.status };
    }
    if (claim.kind === "leased") {
      // A previous invocation (a worker that died) holds it until its lease runs out: wait that out, in process.
      await delay(Math.min(LEASE_POLL_MS, Math.max(10, claim.until.getTime() - Date.now())));
      continue;
    }
    if (claim.kind === "not_due") {
      dueAt = claim.dueAt;
      break;
    }
    const outcome = await executeClaimed(deps, journey, claim.run, owner);
    if (outcome.type === "completed" || outcome.type === "failed" || outcome.type === "aborted") {
      await unbindEndedRun(db, runId, engineRef);
      return { done: true, status: outcome.type };
    }
    dueAt = outcome.dueAt;
    break;
  }
  const now = clock.now();
  // Whole seconds, as a duration string: a millisecond value renders in a form some engines read as zero.
  const seconds = Math.max(1, Math.ceil((dueAt.getTime() - now.getTime()) / 1000));
  const wait = await recordEngineWait(db, {
    engineRef,
    runId,
    wait: { seq: at.seq, sleepFor: `${seconds}s`, eventsSince: startedAt },
  });
  await parkRunOnEngine(db, { runId, engineRef, dueAt, wakesAt: new Date(now.getTime() + seconds * 1000) });
  return { done: false, wait };
}

/**
 * Retries Postgres work in process rather than failing the durable task: a failed task would be retried by Hatchet
 * from a fresh start, and the waits it had issued would start their full durations again. Every step is safe to
 * repeat (claims are fenced, waits are recorded by position).
 */
async function untilItWorks<T>(
  deps: JourneyTaskDeps,
  ctx: DurableContext<JourneyTaskInput>,
  work: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (ctx.cancelled) throw error;
      if (!isConnectionError(error))
        deps.logger.warn({ err: error, attempt }, "a journey run on Hatchet hit an error; retrying");
      await delay(Math.min(5_000, 200 * attempt));
    }
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One execution of a claimed run, its lease renewed while it runs (as the Postgres engine's dispatcher does). */
async function executeClaimed(
  deps: JourneyTaskDeps,
  journey: DefinedJourney,
  run: RunRecord,
  owner: string,
): Promise<ReplayOutcome> {
  const { db, clock } = deps;
  const renew = setInterval(
    () => {
      renewRunLeases(db, { ids: [run.id], owner, now: clock.now(), leaseMs: deps.leaseMs }).catch(() => {});
    },
    Math.max(100, Math.floor(deps.leaseMs / 3)),
  );
  const started = performance.now();
  try {
    const journals = await loadJournals(db, [run.id]);
    const replay = new RunReplay({ ...deps, owner }, journey, run, journals.get(run.id) ?? new Map());
    const outcome = await replay.execute();
    deps.onOutcome?.(journey.meta.id, outcome, (performance.now() - started) / 1000);
    return outcome;
  } finally {
    clearInterval(renew);
  }
}
