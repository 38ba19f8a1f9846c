import type { AuditContext } from "../../audit/audit-entry.js";
import { recordAudit } from "../../audit/audit-store.js";
import { getContact } from "../../contacts/contact-store.js";
import type { Database } from "../../db/database.js";
import {
  getPreferenceState,
  type PreferenceState,
  setCategoryUnsubscribe,
  setGlobalUnsubscribe,
} from "./preference-store.js";

/** What an admin changes: the global switch and/or categories (true = subscribed). Omitted parts stay. */
export interface PreferenceChange {
  globallyUnsubscribed?: boolean | undefined;
  categories?: Record<string, boolean> | undefined;
}

/**
 * Edits a contact's subscription and category preferences from Studio, audited in the same transaction (before
 * and after are the preference states, no address). Undefined when there is no such contact.
 */
export async function setContactPreferences(
  db: Database,
  userId: string,
  change: PreferenceChange,
  now: Date,
  audit: AuditContext,
): Promise<PreferenceState | undefined> {
  return db.transaction(async (tx) => {
    const contact = await getContact(tx, userId);
    if (!contact) return undefined;
    const subject = { userId, email: contact.email ?? "", category: null };
    const before = await getPreferenceState(tx, subject);
    if (change.globallyUnsubscribed !== undefined) {
      await setGlobalUnsubscribe(tx, subject, change.globallyUnsubscribed ? now : null);
    }
    for (const [category, subscribed] of Object.entries(change.categories ?? {})) {
      await setCategoryUnsubscribe(tx, subject, category, subscribed ? null : now);
    }
    const after = await getPreferenceState(tx, subject);
    await recordAudit(tx, audit, {
      action: "contact.preferences_updated",
      targetType: "contact",
      targetId: userId,
      before: { ...before },
      after: { ...after },
    });
    return after;
  });
}
