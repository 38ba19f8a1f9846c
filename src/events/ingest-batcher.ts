import { isConnectionError, type Queryable } from "../db/database.js";
import { createGroupCommit, type Settlement } from "../db/group-commit.js";
import { appendEvents } from "./event-store.js";
import type { NewEvent } from "./event-types.js";

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
}

export interface IngestBatcher {
  /** Resolves once `events` are committed (or were already stored); rejects when the write failed. */
  submit(events: readonly NewEvent[]): Promise<IngestOutcome>;
}

/**
 * Group commit for the ingest path (`createGroupCommit`): up to `maxInFlight` inserts run at once; requests arriving
 * while they are all busy share one multi-row statement (up to `maxEvents` events), so under load one commit serves
 * many requests while at low load a request is written at once with no added delay. Every request still resolves
 * only after its own events have committed.
 */
export function createIngestBatcher(
  db: Queryable,
  options: { maxInFlight?: number; maxEvents?: number; onInserted?: () => void } = {},
): IngestBatcher {
  const write = async (
    requests: ReadonlyArray<readonly NewEvent[]>,
  ): Promise<Array<Settlement<IngestOutcome>>> => {
    try {
      const all = requests.length === 1 ? requests[0]! : requests.flat();
      const { alreadyStored } = await appendEvents(db, all);
      // A messageId is credited to the first request (in arrival order) that carried it; later ones, and ids
      // stored by earlier statements, are duplicates, exactly as if the requests had been written one by one.
      const taken = new Set(alreadyStored);
      let inserted = 0;
      const outcomes = requests.map((events): Settlement<IngestOutcome> => {
        let accepted = 0;
        for (const event of events) {
          if (taken.has(event.messageId)) continue;
          taken.add(event.messageId);
          accepted++;
        }
        inserted += accepted;
        return { ok: true, value: { accepted, duplicates: events.length - accepted } };
      });
      if (inserted > 0) options.onInserted?.();
      return outcomes;
    } catch (error) {
      if (requests.length === 1 || isConnectionError(error)) throw error;
      // Not an outage: write each request alone so that one request's failure cannot fail its neighbours.
      return Promise.all(
        requests.map((events) =>
          write([events]).then(
            (one) => one[0]!,
            (failure: unknown): Settlement<IngestOutcome> => ({ ok: false, error: failure }),
          ),
        ),
      );
    }
  };

  const commits = createGroupCommit<readonly NewEvent[], IngestOutcome>({
    maxInFlight: options.maxInFlight ?? 4,
    maxBatchWeight: options.maxEvents ?? 5000,
    weight: (events) => events.length,
    write,
  });
  return { submit: (events) => commits.submit(events) };
}
