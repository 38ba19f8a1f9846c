import { randomUUID } from "node:crypto";
import type { Database, Queryable } from "../../db/database.js";
import { insertEvents } from "../../events/event-store.js";
import { PREFERENCE_CATEGORIES } from "./preference-page.js";
import { setCategoryUnsubscribe, setGlobalUnsubscribe } from "./preference-store.js";
import type { UnsubscribeSubject } from "./unsubscribe-token.js";

/** A submitted preference-center form: each field's values. */
export type PreferenceForm = Record<string, string | string[] | undefined>;

/**
 * Unsubscribes at once (RFC 8058 one-click, an empty POST, or the page's Unsubscribe button): from the email's
 * category when the token names one, from everything otherwise. Returns the scope. The change is published as
 * `email.unsubscribed` in the same transaction.
 */
export async function unsubscribe(
  db: Database,
  subject: UnsubscribeSubject,
  via: "preference_center" | "one_click",
  now: Date,
): Promise<string> {
  const scope = subject.category ?? "global";
  await db.transaction(async (tx) => {
    if (scope === "global") await setGlobalUnsubscribe(tx, subject, now);
    else await setCategoryUnsubscribe(tx, subject, scope, now);
    await recordPreferenceEvent(tx, subject, now, "email.unsubscribed", { scope, via });
  });
  return scope;
}

/** Applies the preference center's saved form: every category box and the global switch, as one change. */
export async function savePreferences(
  db: Database,
  subject: UnsubscribeSubject,
  form: PreferenceForm,
  now: Date,
): Promise<void> {
  const subscribed = new Set([form.subscribed ?? []].flat());
  const categories = new Set(PREFERENCE_CATEGORIES.map((category) => category.key));
  if (subject.category && subject.category !== "transactional") categories.add(subject.category);
  const global = [form.global ?? []].flat()[0] === "unsubscribed";
  await db.transaction(async (tx) => {
    for (const category of categories) {
      await setCategoryUnsubscribe(tx, subject, category, subscribed.has(category) ? null : now);
    }
    await setGlobalUnsubscribe(tx, subject, global ? now : null);
    await recordPreferenceEvent(tx, subject, now, "email.preferences_updated", {
      globallyUnsubscribed: global,
      unsubscribedCategories: [...categories].filter((category) => !subscribed.has(category)).sort(),
    });
  });
}

/**
 * Publishes the change as an event so journeys can react (exit on `email.unsubscribed`) and it shows in the
 * person's timeline. Address-only recipients have no user to attribute it to and are skipped.
 */
async function recordPreferenceEvent(
  q: Queryable,
  subject: UnsubscribeSubject,
  at: Date,
  event: string,
  properties: Record<string, unknown>,
): Promise<void> {
  if (subject.userId === null) return;
  await insertEvents(q, [
    {
      messageId: `${event}:${subject.userId}:${randomUUID()}`,
      event,
      userId: subject.userId,
      userEmail: subject.email,
      occurredAt: at,
      source: "system",
      properties,
    },
  ]);
}
