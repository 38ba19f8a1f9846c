import { isConnectionError, type Queryable } from "../db/database.js";
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

interface Job {
  events: readonly NewEvent[];
  resolve: (outcome: IngestOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the ingest path. Up to `maxInFlight` inserts run at once; requests arriving while they are all
 * busy wait and then share one multi-row statement (up to `maxEvents` events), so under load one commit (one WAL
 * flush) serves many requests while at low load a request is written at once with no added delay. Every
 * request still resolves only after its own events have committed.
 */
export function createIngestBatcher(
  db: Queryable,
  options: { maxInFlight?: number; maxEvents?: number; onInserted?: () => void } = {},
): IngestBatcher {
  const maxInFlight = options.maxInFlight ?? 4;
  const maxEvents = options.maxEvents ?? 5000;
  const pending: Job[] = [];
  let inFlight = 0;

  const pump = () => {
    while (inFlight < maxInFlight && pending.length > 0) {
      const jobs: Job[] = [pending.shift()!];
      let size = jobs[0]!.events.length;
      while (pending.length > 0 && size + pending[0]!.events.length <= maxEvents) {
        const job = pending.shift()!;
        size += job.events.length;
        jobs.push(job);
      }
      inFlight++;
      void write(jobs).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  const write = async (jobs: Job[]): Promise<void> => {
    try {
      const all = jobs.length === 1 ? jobs[0]!.events : jobs.flatMap((job) => job.events);
      const { alreadyStored } = await appendEvents(db, all);
      // A messageId is credited to the first request (in arrival order) that carried it; later ones, and ids
      // stored by earlier statements, are duplicates, exactly as if the requests had been written one by one.
      const taken = new Set(alreadyStored);
      let inserted = 0;
      for (const job of jobs) {
        let accepted = 0;
        for (const event of job.events) {
          if (taken.has(event.messageId)) continue;
          taken.add(event.messageId);
          accepted++;
        }
        inserted += accepted;
        job.resolve({ accepted, duplicates: job.events.length - accepted });
      }
      if (inserted > 0) options.onInserted?.();
    } catch (error) {
      if (jobs.length === 1 || isConnectionError(error)) {
        for (const job of jobs) job.reject(error);
        return;
      }
      // Not an outage: write each request alone so that one request's failure cannot fail its neighbours.
      await Promise.all(jobs.map((job) => write([job])));
    }
  };

  return {
    submit(events) {
      return new Promise<IngestOutcome>((resolve, reject) => {
        pending.push({ events, resolve, reject });
        pump();
      });
    },
  };
}
