import { isConnectionError } from "../db/database.js";

/** Consecutive failures of the same single event before it is moved to event_routing_failures. */
export const POISON_ATTEMPTS = 3;
/**
 * Events moved aside in a row with nothing routed in between: beyond this the failure is not one event's fault
 * (a bug or a bad deploy fails them all), so the router stops moving events aside and only retries.
 */
export const MAX_QUARANTINES_IN_A_ROW = 3;

/** What the router does after a failed batch. */
export type PoisonDecision =
  /** Not the events' fault (outage, deadlock, schema): wait and retry the same batch. */
  | { kind: "retry"; reason: "transient" }
  /** Everything fails: moving more events aside would not help; wait and retry until the cause is fixed. */
  | { kind: "retry"; reason: "everything_fails"; quarantinesInARow: number }
  /** The failing event is not found yet: route one event per transaction, now. */
  | { kind: "isolate" }
  /** Routing the head event alone failed again; wait, then retry it. */
  | { kind: "retry"; reason: "head_failed"; attempt: number }
  /** The head event failed POISON_ATTEMPTS times alone: move it aside, then carry on. */
  | { kind: "quarantine"; attempts: number };

/**
 * The router's poison-event policy as a small state machine. Normally batches are routed whole. After a batch fails
 * with an error an event's data could cause, events are routed one per transaction: the good ones go through, and
 * the one that keeps failing is moved to event_routing_failures instead of blocking its partitions (and every user
 * hashed to them) forever. After MAX_QUARANTINES_IN_A_ROW events moved aside with nothing routed in between, it
 * stops moving events and only retries.
 */
export class PoisonEventPolicy {
  #isolating = false;
  #headFailures = 0;
  #quarantinesInARow = 0;

  /** Events to take in the next batch. */
  batchLimit(normal: number): number {
    return this.#isolating ? 1 : normal;
  }

  /** A batch committed with `events` events in it. */
  routed(events: number): void {
    this.#headFailures = 0;
    if (events > 0) this.#quarantinesInARow = 0;
    if (this.#isolating && events === 0) this.#isolating = false;
  }

  /** A batch failed with `error`: what to do next. */
  failed(error: unknown): PoisonDecision {
    if (!mayBePoisonEvent(error)) return { kind: "retry", reason: "transient" };
    if (this.#quarantinesInARow >= MAX_QUARANTINES_IN_A_ROW) {
      return { kind: "retry", reason: "everything_fails", quarantinesInARow: this.#quarantinesInARow };
    }
    if (!this.#isolating) {
      this.#isolating = true;
      return { kind: "isolate" };
    }
    this.#headFailures++;
    if (this.#headFailures >= POISON_ATTEMPTS) return { kind: "quarantine", attempts: this.#headFailures };
    return { kind: "retry", reason: "head_failed", attempt: this.#headFailures };
  }

  /** The head event was moved aside: back to whole batches. */
  quarantined(): void {
    this.#headFailures = 0;
    this.#quarantinesInARow++;
    this.#isolating = false;
  }
}

/**
 * Could this error be caused by the event being routed, rather than by the database or the deployment? Only then
 * may the event be moved aside. Data exceptions (SQLSTATE class 22), integrity violations (23), exceptions raised
 * by PL/pgSQL (P0) and errors thrown by our own code for that event are; connection loss, deadlocks, lock and
 * serialization races, resource limits and schema or permission errors (42) are not: those are retried as they
 * are, since moving events aside would not fix them.
 */
export function mayBePoisonEvent(error: unknown): boolean {
  if (isConnectionError(error)) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith("22") || code.startsWith("23") || code.startsWith("P0");
}
