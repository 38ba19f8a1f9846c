import { isGloballyUnsubscribed } from "../../contacts/contact-store.js";
import type { Queryable } from "../../db/database.js";

export type Deliverability = { ok: true } | { ok: false; reason: string };

/** Mail in this category is exempt from unsubscribe (receipts, password resets), never from suppression. */
export const TRANSACTIONAL_CATEGORY = "transactional";

/**
 * The last word before a provider is called: may this address receive this email now? Checked in order, and the
 * first refusal names itself in `reason` (recorded on the message):
 *   1. the address is suppressed (bounce, complaint, manual) -> `suppressed:<reason>`, for every category;
 *   2. the contact unsubscribed globally -> `unsubscribed` (not for transactional mail);
 *   3. the contact unsubscribed from the category -> `category_unsubscribed:<category>` (likewise).
 * Without a userId the global unsubscribe of any contact holding the address applies, and category preferences
 * are those recorded under the lower-cased address (see preference-store).
 */
export async function checkDeliverability(
  q: Queryable,
  params: { email: string; userId?: string | null | undefined; category?: string | null | undefined },
): Promise<Deliverability> {
  const category = params.category ?? null;
  const result = await q.query<{ suppressed: string | null; category_unsubscribed: boolean }>(
    `SELECT
       (SELECT reason FROM suppressions WHERE email = lower($1)) AS suppressed,
       EXISTS (
         SELECT 1 FROM email_preferences
          WHERE user_id = COALESCE($2, lower($1)) AND category = $3 AND unsubscribed_at IS NOT NULL
       ) AS category_unsubscribed`,
    [params.email.trim(), params.userId ?? null, category],
  );
  const row = result.rows[0];
  if (row?.suppressed) return { ok: false, reason: `suppressed:${row.suppressed}` };
  if (category === TRANSACTIONAL_CATEGORY) return { ok: true };
  if (await isGloballyUnsubscribed(q, { userId: params.userId ?? null, email: params.email })) {
    return { ok: false, reason: "unsubscribed" };
  }
  if (row?.category_unsubscribed) return { ok: false, reason: `category_unsubscribed:${category}` };
  return { ok: true };
}
