import type { Queryable } from "../db/database.js";

export interface EmailHistory {
  sent: boolean;
  lastSentAt: string | null;
  count: number;
}

// A message counts as sent once it is accepted into the outbox and not refused (suppressed/skipped) or failed:
// a journey checking right after its own send must see it, although delivery happens a moment later.
const COUNTED = ["queued", "sending", "sent"];

/** Backs `ctx.history.email({ email, template })`: handed to the engine as its `emailHistory` reader. */
export async function emailHistory(
  q: Queryable,
  params: { email: string; template: string },
): Promise<EmailHistory> {
  const result = await q.query<{ count: number; last: Date | null }>(
    `SELECT count(*)::int AS count, max(COALESCE(sent_at, created_at)) AS last FROM messages
      WHERE lower(to_email) = lower($1) AND template = $2 AND status = ANY($3::text[])`,
    [params.email, params.template, COUNTED],
  );
  const row = result.rows[0];
  const count = row?.count ?? 0;
  return { sent: count > 0, lastSentAt: row?.last ? row.last.toISOString() : null, count };
}
