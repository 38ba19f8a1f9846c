import type { Queryable } from "../db/database.js";
import { durationToMs } from "../lib/duration.js";
import {
  type CapRecipient,
  lockRecipientCategory,
  recentCategorySends,
} from "./outbox/category-send-store.js";
import type { FrequencyCap, ResolvedFrequencyCaps } from "./templates/frequency-caps.js";

export type CapDecision =
  | { allowed: true }
  | { allowed: false; allowedAt: Date; cap: Required<FrequencyCap> };

/**
 * Whether one more email of `category` to `recipient` at `now` (null: the database clock) stays within its cap.
 * Takes the recipient's lock for the category first, so a concurrent sender waits for this transaction to commit
 * its message and then counts it: call it in the transaction that inserts the message, and insert (or not) right
 * after.
 */
export async function checkFrequencyCap(
  tx: Queryable,
  caps: ResolvedFrequencyCaps,
  params: { recipient: CapRecipient; category: string; now: Date | null },
): Promise<CapDecision> {
  const cap = caps.get(params.category);
  if (!cap) return { allowed: true };
  await lockRecipientCategory(tx, params.recipient, params.category);
  const perMs = durationToMs(cap.per);
  const sends = await recentCategorySends(tx, {
    recipient: params.recipient,
    category: params.category,
    now: params.now,
    windowMs: perMs,
    limit: cap.max,
  });
  if (sends.length < cap.max) return { allowed: true };
  // The oldest of the last `max` sends leaving the window is when one more fits.
  const oldest = sends[cap.max - 1] as Date;
  return { allowed: false, allowedAt: new Date(oldest.getTime() + perMs), cap };
}
