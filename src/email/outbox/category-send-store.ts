import type { Queryable } from "../../db/database.js";

/** Whose mail a frequency cap counts: the contact when the send names one, else the address. */
export type CapRecipient = { userId: string } | { toEmail: string };

/**
 * Serialises cap checks for one recipient and category until the transaction ends: a second sender blocks here
 * until the first commits its message, then counts it. (Read Committed: the count after the lock is a new
 * snapshot.) Must run inside a transaction.
 */
export async function lockRecipientCategory(tx: Queryable, recipient: CapRecipient, category: string) {
  const key = "userId" in recipient ? `u:${recipient.userId}` : `e:${recipient.toEmail.toLowerCase()}`;
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
    `hogsend:fcap:${category}:${key}`,
  ]);
}

/**
 * The send times of the recipient's last `limit` messages of `category` created within `windowMs` before `now`
 * (newest first; `now` null: the database's clock, as transactional sends are stamped): what was queued or went
 * out; skipped, suppressed and failed mail is not counted.
 */
export async function recentCategorySends(
  q: Queryable,
  params: { recipient: CapRecipient; category: string; now: Date | null; windowMs: number; limit: number },
): Promise<Date[]> {
  const byUser = "userId" in params.recipient;
  const result = await q.query<{ created_at: Date }>(
    byUser
      ? `SELECT created_at FROM messages
          WHERE user_id = $1 AND category = $2 AND status IN ('queued', 'sending', 'sent')
            AND created_at > COALESCE($3::timestamptz, now()) - make_interval(secs => $4::float8 / 1000)
          ORDER BY created_at DESC LIMIT $5`
      : `SELECT created_at FROM messages
          WHERE user_id IS NULL AND to_email = $1 AND category = $2 AND status IN ('queued', 'sending', 'sent')
            AND created_at > COALESCE($3::timestamptz, now()) - make_interval(secs => $4::float8 / 1000)
          ORDER BY created_at DESC LIMIT $5`,
    [
      "userId" in params.recipient ? params.recipient.userId : params.recipient.toEmail,
      params.category,
      params.now,
      params.windowMs,
      params.limit,
    ],
  );
  return result.rows.map((row) => row.created_at);
}
