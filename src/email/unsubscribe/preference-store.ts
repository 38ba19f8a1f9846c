import { isGloballyUnsubscribed, setGloballyUnsubscribed } from "../../contacts/contact-store.js";
import type { Queryable } from "../../db/database.js";
import type { UnsubscribeSubject } from "./unsubscribe-token.js";

/** Where a person stands: unsubscribed from everything, and per category. */
export interface PreferenceState {
  globallyUnsubscribed: boolean;
  /** Categories the person left (unsubscribed_at set). */
  unsubscribedCategories: string[];
}

/**
 * The contact a token speaks for. Mail sent without a userId is keyed by its lower-cased address, so that an
 * address-only recipient can still unsubscribe (checkDeliverability looks them up the same way).
 */
export function preferenceKey(subject: UnsubscribeSubject): string {
  return subject.userId ?? subject.email.toLowerCase();
}

export async function getPreferenceState(
  q: Queryable,
  subject: UnsubscribeSubject,
): Promise<PreferenceState> {
  const key = preferenceKey(subject);
  const result = await q.query<{ categories: string[] }>(
    `SELECT COALESCE((SELECT array_agg(category ORDER BY category) FROM email_preferences
                       WHERE user_id = $1 AND unsubscribed_at IS NOT NULL), '{}') AS categories`,
    [key],
  );
  return {
    globallyUnsubscribed: await isGloballyUnsubscribed(q, {
      key,
      userId: subject.userId,
      email: subject.email,
    }),
    unsubscribedCategories: result.rows[0]?.categories ?? [],
  };
}

/**
 * Sets the global unsubscribe on (`at`) or off (null). Creates the contact when it does not exist yet, so an
 * unsubscribe that arrives before any event about the person is not lost.
 */
export async function setGlobalUnsubscribe(
  q: Queryable,
  subject: UnsubscribeSubject,
  at: Date | null,
): Promise<void> {
  await setGloballyUnsubscribed(
    q,
    { key: preferenceKey(subject), userId: subject.userId, email: subject.email },
    at,
  );
}

/** Sets one category's preference: unsubscribed at `at`, or subscribed again with null. */
export async function setCategoryUnsubscribe(
  q: Queryable,
  subject: UnsubscribeSubject,
  category: string,
  at: Date | null,
): Promise<void> {
  await q.query(
    `INSERT INTO email_preferences (user_id, category, unsubscribed_at, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (user_id, category) DO UPDATE SET
       unsubscribed_at = CASE WHEN $3::timestamptz IS NULL THEN NULL
                              ELSE COALESCE(email_preferences.unsubscribed_at, $3) END,
       updated_at = now()`,
    [preferenceKey(subject), category, at?.toISOString() ?? null],
  );
}

/** A person's category preferences, by category (the contact profile). */
export async function listCategoryPreferences(
  q: Queryable,
  userId: string,
): Promise<Array<{ category: string; unsubscribedAt: Date | null }>> {
  const result = await q.query<{ category: string; unsubscribed_at: Date | null }>(
    "SELECT category, unsubscribed_at FROM email_preferences WHERE user_id = $1 ORDER BY category",
    [userId],
  );
  return result.rows.map((row) => ({ category: row.category, unsubscribedAt: row.unsubscribed_at }));
}

/** Deletes a person's category preferences (GDPR erase). */
export async function deleteCategoryPreferences(q: Queryable, userId: string): Promise<void> {
  await q.query("DELETE FROM email_preferences WHERE user_id = $1", [userId]);
}

/** Category unsubscribes since `since` (the overview's unsubscribe rate; email_preferences_unsubscribed_at). */
export async function countCategoryUnsubscribesSince(q: Queryable, since: Date): Promise<number> {
  const result = await q.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM email_preferences WHERE unsubscribed_at >= $1",
    [since.toISOString()],
  );
  return Number(result.rows[0]?.n ?? 0);
}
