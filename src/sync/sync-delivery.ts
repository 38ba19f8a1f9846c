import type { Database } from "../db/database.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { type PostHogDestinationConfig, sendToPostHog } from "./posthog-destination.js";
import {
  claimOutbox,
  destinationsWithDueRows,
  getDestination,
  markDelivered,
  markFailed,
  type OutboxRow,
  setPostHogDestination,
} from "./sync-outbox-store.js";
import { sendWebhook } from "./webhook-destination.js";

export interface SyncDeliveryOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Set when POSTHOG_API_KEY is: the PostHog destination is enabled (and disabled when unset). */
  posthog: PostHogDestinationConfig | undefined;
  batchSize?: number;
  /** How long a claimed batch is ours before another worker may send it again. */
  leaseMs?: number;
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, capped at an hour. */
  retryBaseMs?: number;
  pollIntervalMs?: number;
  /** Webhook requests in flight per batch. */
  webhookConcurrency?: number;
}

/**
 * The one owner of sending the sync outbox: for every destination with due rows, claims a batch (leased), sends
 * it (PostHog: one flushed batch; webhooks: one signed request per fact), deletes what was accepted and schedules
 * the rest with exponential backoff, dead after `maxAttempts`. At-least-once: a crash between the send and the
 * delete resends the batch after the lease, with the same fact ids.
 */
export function createSyncDelivery(options: SyncDeliveryOptions) {
  const batchSize = options.batchSize ?? 500;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const retryBaseMs = options.retryBaseMs ?? 5_000;
  const concurrency = options.webhookConcurrency ?? 8;
  const { db, clock } = options;

  const retryAt = (attempts: number) => {
    const delay = Math.min(retryBaseMs * 2 ** Math.max(attempts - 1, 0), 3_600_000);
    return new Date(clock.now().getTime() + delay * (0.8 + Math.random() * 0.4));
  };

  async function deliverBatch(destinationId: string): Promise<number> {
    const now = clock.now();
    const rows = await claimOutbox(db, destinationId, {
      now,
      leaseUntil: new Date(now.getTime() + leaseMs),
      limit: batchSize,
    });
    if (rows.length === 0) return 0;
    const destination = await getDestination(db, destinationId);
    if (!destination?.enabled) {
      await markFailed(
        db,
        rows.map((r) => ({ ...r, retryAt: retryAt(r.attempts) })),
        "destination disabled",
        maxAttempts,
      );
      return 0;
    }
    if (destination.kind === "posthog") {
      if (!options.posthog) {
        await markFailed(
          db,
          rows.map((r) => ({ ...r, retryAt: retryAt(r.attempts) })),
          "POSTHOG_API_KEY is not set",
          maxAttempts,
        );
        return 0;
      }
      try {
        await sendToPostHog(options.posthog, rows);
        await markDelivered(
          db,
          rows.map((r) => r.id),
        );
        return rows.length;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        options.logger.warn(
          { destination: destinationId, rows: rows.length, err: message },
          "PostHog batch failed; will retry",
        );
        await markFailed(
          db,
          rows.map((r) => ({ ...r, retryAt: retryAt(r.attempts) })),
          message,
          maxAttempts,
        );
        return 0;
      }
    }
    const endpoint = { url: destination.url ?? "", secret: destination.secret ?? "" };
    const delivered: number[] = [];
    const failed = new Map<string, Array<OutboxRow & { retryAt: Date }>>();
    let next = 0;
    const work = async () => {
      for (let i = next++; i < rows.length; i = next++) {
        const row = rows[i] as OutboxRow;
        // The signature timestamp is checked against the receiver's wall clock: real time, not the engine clock.
        const result = await sendWebhook(endpoint, row.event, { now: new Date() });
        if (result.ok) delivered.push(row.id);
        else {
          const list = failed.get(result.error) ?? [];
          list.push({ ...row, retryAt: retryAt(row.attempts) });
          failed.set(result.error, list);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, work));
    await markDelivered(db, delivered);
    for (const [error, list] of failed) await markFailed(db, list, error, maxAttempts);
    return delivered.length;
  }

  /** Sends everything due now, batch by batch; returns how many facts were delivered. */
  async function deliverDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const due = await destinationsWithDueRows(db, clock.now());
      if (due.length === 0) return total;
      let progressed = 0;
      for (const id of due) progressed += await deliverBatch(id);
      total += progressed;
      if (progressed === 0) return total;
    }
  }

  return { deliverDue, deliverBatch };
}

/** Starts the worker's sync loop; `stop` finishes the batch in hand. */
export async function startSyncDelivery(options: SyncDeliveryOptions): Promise<{ stop(): Promise<void> }> {
  await setPostHogDestination(options.db, options.posthog !== undefined).catch((error: unknown) =>
    options.logger.warn({ err: error }, "could not record the PostHog destination; will use what is stored"),
  );
  const delivery = createSyncDelivery(options);
  const pollMs = options.pollIntervalMs ?? 1_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        await delivery.deliverDue();
      } catch (error) {
        options.logger.warn({ err: error }, "sync delivery failed; will retry");
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, pollMs);
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
