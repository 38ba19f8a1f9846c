import type { Database } from "../../db/database.js";
import { isConnectionError } from "../../db/database.js";
import { createGroupCommit } from "../../db/group-commit.js";
import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import { type DeliveryOutcome, recordOutcomes } from "./message-store.js";

export interface OutcomeWriterOptions {
  db: Database;
  /** The delivering worker: every write is fenced on its lease. */
  owner: string;
  clock: Clock;
  leaseMs: number;
  logger: Logger;
}

/**
 * Records delivery outcomes in batches: one write at a time, and everything that arrived meanwhile goes in the next
 * statement, so under load one UPDATE records many sends. The returned function resolves once the outcome is
 * written, or given up on (logged): a send is never failed for the database's sake.
 */
export function createOutcomeWriter(
  options: OutcomeWriterOptions,
): (outcome: DeliveryOutcome) => Promise<void> {
  const { db, owner, clock, leaseMs, logger } = options;
  // An outcome is kept and retried through a database outage for as long as our lease could still hold: a
  // dropped "sent" would make the message go out again once the lease expires (twice, for Postmark and SMTP).
  // The write is fenced on our lease, so a late write after a takeover changes nothing.
  const writePatiently = async (outcomes: DeliveryOutcome[]) => {
    const giveUpAt = Date.now() + leaseMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        await recordOutcomes(db, owner, outcomes, clock.now());
        break;
      } catch (error) {
        if (!isConnectionError(error) || Date.now() + delay >= giveUpAt) {
          // The lease will expire and another attempt will be made; with Resend the idempotency key makes it safe.
          logger.error({ err: error, count: outcomes.length }, "recording email outcomes failed");
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return outcomes.map(() => ({ ok: true as const, value: undefined }));
  };
  const writes = createGroupCommit<DeliveryOutcome, undefined>({
    maxInFlight: 1,
    maxBatchWeight: 2_000,
    write: writePatiently,
  });
  return (outcome) => writes.submit(outcome);
}
