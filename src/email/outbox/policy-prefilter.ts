import { unsubscribedRecipients } from "../../contacts/contact-store.js";
import type { Queryable } from "../../db/database.js";

/**
 * Two queries for a whole claimed batch (the email module's records, then the contacts' global unsubscribes from
 * the contact store, which owns that table): which messages have ANY policy record that could refuse them (a
 * suppression of the address, an unsubscribed contact by user or address, an unsubscribed category preference)?
 * Only those go through `checkDeliverability` one by one, which decides and names the reason; the rest cannot be
 * refused by it and skip the per-message round trip. At hundreds of sends per second that round trip was the
 * delivery loop's bottleneck. Keep this in step with `suppression/check-deliverability.ts`: a new kind of refusal
 * there needs its table here, or every message goes the slow (still correct) way if this returns all ids.
 */
export async function messagesNeedingPolicyCheck(
  q: Queryable,
  messages: ReadonlyArray<{ id: string; toEmail: string; userId: string | null }>,
): Promise<Set<string>> {
  if (messages.length === 0) return new Set();
  const result = await q.query<{ id: string }>(
    `SELECT t.id FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(id, email, user_id)
      WHERE EXISTS (SELECT 1 FROM suppressions s WHERE s.email = lower(trim(t.email)))
         OR EXISTS (SELECT 1 FROM email_preferences p WHERE p.unsubscribed_at IS NOT NULL
                      AND p.user_id IN (t.user_id, lower(trim(t.email))))`,
    [messages.map((m) => m.id), messages.map((m) => m.toEmail), messages.map((m) => m.userId)],
  );
  const flagged = new Set(result.rows.map((row) => row.id));
  const unsubscribed = await unsubscribedRecipients(
    q,
    messages.map((m) => ({ userId: m.userId, email: m.toEmail })),
  );
  for (const index of unsubscribed) {
    const message = messages[index];
    if (message) flagged.add(message.id);
  }
  return flagged;
}
