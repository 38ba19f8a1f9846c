import type { Queryable } from "../../db/database.js";

/** What the alert rules read about email over a window (each count from a partial index, migration 0090). */
export interface DeliveryHealth {
  /** Messages handed to the provider in the window. */
  sent: number;
  /** Messages that failed for good in the window (the provider refused them or retries ran out). */
  failed: number;
  hardBounces: number;
  complaints: number;
  /** Age of the oldest queued message that is due and not held by a pause, in seconds (0 when none). */
  outboxLagSeconds: number;
  /** The last provider webhook received (any status), or null when none ever arrived. */
  lastWebhookAt: Date | null;
}

export async function readDeliveryHealth(
  q: Queryable,
  params: { from: Date; now: Date },
): Promise<DeliveryHealth> {
  const result = await q.query<{
    sent: number;
    failed: number;
    hard_bounces: number;
    complaints: number;
    lag: number | null;
    last_webhook: Date | null;
  }>(
    `SELECT
       (SELECT count(*)::int FROM messages WHERE sent_at >= $1 AND sent_at <= $2) AS sent,
       (SELECT count(*)::int FROM messages WHERE status = 'failed' AND updated_at >= $1 AND updated_at <= $2) AS failed,
       (SELECT count(*)::int FROM message_events
         WHERE type = 'bounced' AND bounce_kind = 'hard' AND occurred_at >= $1 AND occurred_at <= $2) AS hard_bounces,
       (SELECT count(*)::int FROM message_events
         WHERE type = 'complained' AND occurred_at >= $1 AND occurred_at <= $2) AS complaints,
       (SELECT extract(epoch FROM $2::timestamptz - LEAST(
          (SELECT min(next_attempt_at) FROM messages
            WHERE status = 'queued' AND NOT (SELECT paused_at IS NOT NULL FROM sending_pause)),
          (SELECT min(next_attempt_at) FROM messages
            WHERE status = 'queued' AND category = 'transactional' AND (SELECT paused_at IS NOT NULL FROM sending_pause))
        ))::float8) AS lag,
       (SELECT max(received_at) FROM webhook_receipts) AS last_webhook`,
    [params.from.toISOString(), params.now.toISOString()],
  );
  const row = result.rows[0];
  return {
    sent: row?.sent ?? 0,
    failed: row?.failed ?? 0,
    hardBounces: row?.hard_bounces ?? 0,
    complaints: row?.complaints ?? 0,
    outboxLagSeconds: Math.max(0, row?.lag ?? 0),
    lastWebhookAt: row?.last_webhook ?? null,
  };
}
