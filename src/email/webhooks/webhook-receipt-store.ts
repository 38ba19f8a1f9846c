import type { Queryable } from "../../db/database.js";

export type WebhookProvider = "resend" | "postmark";

/**
 * Claims a delivery for processing inside the caller's transaction: true the first time, false when its id is
 * already there (a retry of a delivery that committed). Committing with the effects is what makes it once-only.
 */
export async function claimWebhookReceipt(
  q: Queryable,
  provider: WebhookProvider,
  deliveryId: string,
): Promise<boolean> {
  const result = await q.query(
    "INSERT INTO webhook_receipts (provider, delivery_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    [provider, deliveryId],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Keeps a verified delivery that could not be used, with why; a retry of it finds the row and adds nothing. */
export async function recordRejectedWebhook(
  q: Queryable,
  provider: WebhookProvider,
  deliveryId: string,
  error: string,
): Promise<void> {
  await q.query(
    `INSERT INTO webhook_receipts (provider, delivery_id, status, error) VALUES ($1, $2, 'rejected', $3)
     ON CONFLICT DO NOTHING`,
    [provider, deliveryId, error],
  );
}
