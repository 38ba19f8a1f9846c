import type pg from "pg";
import { type Database, isConnectionError } from "../db/database.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { NewEvent } from "../events/event-types.js";
import type { Clock } from "../lib/clock.js";
import { durationToMs } from "../lib/duration.js";
import {
  type ActiveRun,
  type EffectKey,
  type RunServiceKey,
  type RunServices,
  withActiveRun,
} from "./durable-effect.js";
import { sleepUntilDecided } from "./durable-sleep.js";
import { type ContextExecution, createJourneyContext, type JourneyReaders } from "./journey-context.js";
import { NonRetryableError, RetryAfterError } from "./journey-errors.js";
import type { JournalEntry, RunRecord } from "./journey-store.js";
import type { DefinedJourney, JourneyUser } from "./journey-types.js";
import { insertJournalEntry, type RunTransition } from "./run-commit-store.js";
import { createDirectCommitter, type RunCommitter } from "./run-committer.js";

export interface ReplayDeps {
  db: Database;
  clock: Clock;
  /** This worker's lease owner id. */
  owner: string;
  retry: { attempts: number; backoffMs: number };
  /** Writes the fenced commits (one transaction each, or grouped under load). */
  committer?: RunCommitter;
  /** Services for code running inside journeys (email's templates), handed over by the composition root. */
  services?: RunServices;
  /** Readers behind `ctx.history.*` that other modules own. */
  readers?: JourneyReaders;
  /** The zone for contacts without a valid `timezone` property (HOGSEND_DEFAULT_TIMEZONE); default UTC. */
  defaultTimeZone?: string;
}

export type ReplayOutcome =
  | { type: "completed" }
  | { type: "suspended"; dueAt: Date }
  | { type: "retrying"; dueAt: Date }
  | { type: "failed"; error: string }
  | { type: "aborted" };

/** Thrown through the journey's code to stop it: suspended (sleep/wait) or aborted (the fence failed). */
class StopSignal extends Error {
  constructor(readonly outcome: ReplayOutcome) {
    super(`journey execution stopped: ${outcome.type}`);
  }
}

const MAX_BACKOFF_MS = 24 * 3600_000;

/**
 * One execution of a claimed run by deterministic replay: `run` is called from the top; each ctx operation takes
 * the next journal position and returns the recorded result when there is one. New reads and checkpoints are
 * buffered and committed with the next durable write (a crash before that re-runs them, and nothing durable
 * depended on them yet); every durable write is fenced by `commitRunProgress`.
 */
export class RunReplay implements ContextExecution {
  #position = 0;
  #pending: JournalEntry[] = [];
  #pendingNodeId: string | undefined;
  #stopped: ReplayOutcome | undefined;
  readonly #committer: RunCommitter;

  constructor(
    readonly deps: ReplayDeps,
    readonly journey: DefinedJourney,
    readonly run: RunRecord,
    readonly journal: Map<number, JournalEntry>,
  ) {
    this.#committer = deps.committer ?? createDirectCommitter(deps.db);
  }

  now(): Date {
    return this.deps.clock.now();
  }

  get db(): Database {
    return this.deps.db;
  }

  get userId(): string {
    return this.run.userId;
  }

  get readers(): JourneyReaders | undefined {
    return this.deps.readers;
  }

  get defaultTimeZone(): string {
    return this.deps.defaultTimeZone ?? "UTC";
  }

  key(position: number): EffectKey {
    return {
      runId: this.run.id,
      journeyId: this.run.journeyId,
      userId: this.run.userId,
      position,
      idempotencyKey: `${this.run.id}:${position}`,
    };
  }

  /** Takes the next position; returns its recorded entry after checking it is the same operation. */
  next(kind: string, label: string): { position: number; recorded: JournalEntry | undefined } {
    if (this.#stopped) throw new StopSignal(this.#stopped);
    const position = this.#position++;
    const recorded = this.journal.get(position);
    if (recorded && (recorded.kind !== kind || recorded.label !== label)) {
      throw new HogsendError(
        ErrorCodes.NONDETERMINISTIC_JOURNEY,
        `Journey "${this.journey.meta.id}" is nondeterministic at position ${position}: recorded ` +
          `${recorded.kind} "${recorded.label}", found ${kind} "${label}". The code changed under an in-flight ` +
          "run; see the versioning policy in ARCHITECTURE.md.",
        { details: { journeyId: this.journey.meta.id, position, recorded, found: { kind, label } } },
      );
    }
    return { position, recorded };
  }

  /** Buffers an entry (a read, a checkpoint, an updated sleep/wait result) for the next durable commit. */
  buffer(entry: JournalEntry, nodeId?: string): void {
    this.journal.set(entry.position, entry);
    const index = this.#pending.findIndex((e) => e.position === entry.position);
    if (index >= 0) this.#pending[index] = entry;
    else this.#pending.push(entry);
    if (nodeId !== undefined) this.#pendingNodeId = nodeId;
  }

  /**
   * A fenced commit of the buffered entries plus `entries`, moving the run by `transition`. With `perform`, it
   * runs in one transaction after the fence, so its writes commit with the journal or not at all.
   */
  async commit(
    transition: RunTransition,
    entries: JournalEntry[],
    options: { nodeId?: string; perform?: (tx: pg.PoolClient) => Promise<void>; events?: NewEvent[] } = {},
  ): Promise<void> {
    if (this.#stopped) throw new StopSignal(this.#stopped);
    const params = {
      runId: this.run.id,
      owner: this.deps.owner,
      now: this.now(),
      entries: [...this.#pending, ...entries],
      currentNodeId: options.nodeId ?? this.#pendingNodeId,
      transition,
    };
    const fenced = await this.#committer.commit(params, { perform: options.perform, events: options.events });
    if (!fenced) this.stop({ type: "aborted" });
    for (const entry of entries) this.journal.set(entry.position, entry);
    this.#pending = [];
    this.#pendingNodeId = undefined;
  }

  /** Ends this execution (a suspend or an abort); every later ctx call throws the same signal. */
  stop(outcome: ReplayOutcome): never {
    this.#stopped = outcome;
    throw new StopSignal(outcome);
  }

  /** The durable effect behind `ActiveRun.effect` (and `ctx.step` / `ctx.trigger`). */
  async effect<T>(
    kind: string,
    label: string,
    perform: (tx: pg.PoolClient, key: EffectKey) => Promise<T>,
  ): Promise<T> {
    const { position, recorded } = this.next(kind, label);
    if (recorded) return (recorded.result as { v?: T } | null)?.v as T;
    let value: T | undefined;
    await this.commit({ type: "progress" }, [], {
      perform: async (tx) => {
        value = await perform(tx, this.key(position));
        const entry = { position, kind, label, result: { v: value } };
        await insertJournalEntry(tx, this.run.id, entry, this.now());
        this.journal.set(position, entry);
      },
    });
    return value === undefined ? (undefined as T) : (JSON.parse(JSON.stringify(value)) as T);
  }

  /** Calls the journey's `run` and settles the run: completed, suspended, retrying, failed or aborted. */
  async execute(): Promise<ReplayOutcome> {
    const user: JourneyUser = {
      id: this.run.userId,
      email: this.run.userEmail ?? "",
      properties: this.run.properties,
      stateId: this.run.id,
      journeyId: this.journey.meta.id,
      journeyName: this.journey.meta.name,
    };
    const active: ActiveRun = {
      runId: this.run.id,
      journeyId: this.journey.meta.id,
      journeyName: this.journey.meta.name,
      userId: this.run.userId,
      meta: this.journey.meta,
      now: () => this.now(),
      defaultTimeZone: this.defaultTimeZone,
      sleepUntil: (kind, label, nodeId, decide) => sleepUntilDecided(this, kind, label, nodeId, decide),
      service: <T>(key: RunServiceKey<T>) => this.deps.services?.get(key) as T | undefined,
      effect: (kind, label, perform) => this.effect(kind, label, perform),
    };
    const ctx = createJourneyContext(this);
    let thrown: unknown;
    let failed = false;
    try {
      await withActiveRun(active, () => this.journey.run(user, ctx));
    } catch (error) {
      failed = true;
      thrown = error;
    }
    // A stop wins over whatever the code did with the signal (it may have caught it).
    if (this.#stopped) return this.#stopped;
    // A lost database is not the journey's fault: spend no attempt; the lease runs out and the run is replayed.
    if (failed && isConnectionError(thrown)) throw thrown;
    try {
      if (!failed) {
        await this.commit({ type: "complete" }, [], {
          events: [this.lifecycleEvent("journey:completed", {})],
        });
        return { type: "completed" };
      }
      return await this.settleFailure(thrown);
    } catch (error) {
      if (error instanceof StopSignal) return error.outcome;
      throw error;
    }
  }

  private async settleFailure(error: unknown): Promise<ReplayOutcome> {
    const message = describeError(error);
    const policy = this.journey.meta.retry;
    const maxAttempts = policy?.attempts ?? this.deps.retry.attempts;
    const attempt = this.run.attempts + 1;
    const permanent =
      error instanceof NonRetryableError ||
      (error instanceof HogsendError && error.code === ErrorCodes.NONDETERMINISTIC_JOURNEY);
    if (!permanent && attempt < maxAttempts) {
      const now = this.now();
      let dueAt: Date;
      if (error instanceof RetryAfterError) {
        dueAt =
          error.retryAfter instanceof Date ? error.retryAfter : new Date(now.getTime() + error.retryAfter);
      } else {
        const base = policy?.backoff ? durationToMs(policy.backoff) : this.deps.retry.backoffMs;
        dueAt = new Date(now.getTime() + Math.min(base * 2 ** (attempt - 1), MAX_BACKOFF_MS));
      }
      // Buffered reads are dropped: the retry replays them afresh and nothing durable depended on them.
      this.#pending = [];
      await this.commit({ type: "retry", retryAt: dueAt, error: message }, []);
      return { type: "retrying", dueAt };
    }
    this.#pending = [];
    await this.commit({ type: "fail", error: message }, [], {
      events: [this.lifecycleEvent("journey:failed", { error: message })],
    });
    return { type: "failed", error: message };
  }

  private lifecycleEvent(event: string, extra: Record<string, unknown>): NewEvent {
    return {
      messageId: `${event}:${this.run.id}`,
      event,
      userId: this.run.userId,
      userEmail: this.run.userEmail,
      properties: {
        journeyId: this.journey.meta.id,
        journeyName: this.journey.meta.name,
        stateId: this.run.id,
        ...extra,
      },
      occurredAt: this.now(),
      source: "system",
    };
  }

  /** A durable operation whose effect is storing one event (ctx.trigger): exactly once, with its journal entry. */
  async emit(kind: string, label: string, build: (key: EffectKey) => NewEvent): Promise<void> {
    const { position, recorded } = this.next(kind, label);
    if (recorded) return;
    await this.commit({ type: "progress" }, [{ position, kind, label, result: { v: null } }], {
      events: [build(this.key(position))],
    });
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error)
    return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

export function isStopSignal(error: unknown): boolean {
  return error instanceof StopSignal;
}
