import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit, redactAuditAboutUser } from "../audit/audit-store.js";
import { deleteContact, writeContactTombstone } from "../contacts/contact-store.js";
import type { Database } from "../db/database.js";
import { deleteCapturedEmails } from "../email/outbox/message-query.js";
import { deleteRecipientMessages } from "../email/outbox/message-store.js";
import { deleteCategoryPreferences } from "../email/unsubscribe/preference-store.js";
import { deleteUserEvents, userEmailsInEvents } from "../events/event-store.js";
import { deleteUserJourneyData } from "../journeys/journey-admin-store.js";

export interface EraseResult {
  /** False when there was nothing at all stored for this user id. */
  found: boolean;
  events: number;
  messages: number;
  journeyRuns: number;
}

/**
 * GDPR erase, in one transaction, each module deleting its own rows: the contact, all of the user's events (with
 * their routing-queue and dedupe rows), messages to the user or their addresses (and their delivery events),
 * captured mail, journey runs (journals cascade), once-entries and category preferences. What remains is a
 * tombstone of one-way hashes, so that a later event for the same person recreates the contact unsubscribed
 * instead of silently resurrecting the address. The suppression list is left alone on purpose: it is the record
 * that an address must never be mailed. Erasing again finds nothing and changes nothing (but is audited). The
 * audit entries about the contact lose their before/after.
 */
export async function eraseContact(db: Database, userId: string, audit: AuditContext): Promise<EraseResult> {
  return db.transaction(async (tx) => {
    const contact = await deleteContact(tx, userId);
    const emails = new Set(await userEmailsInEvents(tx, userId));
    if (contact.email) emails.add(contact.email.toLowerCase());
    const emailList = [...emails];
    const events = await deleteUserEvents(tx, userId);
    const messages = await deleteRecipientMessages(tx, userId, emailList);
    await deleteCapturedEmails(tx, emailList);
    await deleteCategoryPreferences(tx, userId);
    const journeyRuns = await deleteUserJourneyData(tx, userId);
    const found = contact.found || events > 0 || messages > 0 || journeyRuns > 0;
    if (found) await writeContactTombstone(tx, userId, contact.email ?? emailList[0] ?? null);
    // The audit log keeps who erased whom and when, but not what it had recorded about the person.
    await redactAuditAboutUser(tx, userId);
    await recordAudit(tx, audit, {
      action: "contact.erased",
      targetType: "contact",
      targetId: userId,
      after: { found, events, messages, journeyRuns },
    });
    return { found, events, messages, journeyRuns };
  });
}
