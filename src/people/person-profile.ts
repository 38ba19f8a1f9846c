import type { ContactRecord } from "../contacts/contact-record.js";
import { getContactRecord } from "../contacts/contact-store.js";
import type { Queryable } from "../db/database.js";
import { listUserMessageSummaries } from "../email/outbox/message-query.js";
import { getSuppression } from "../email/suppression/suppression-store.js";
import { listCategoryPreferences } from "../email/unsubscribe/preference-store.js";
import { listUserEvents } from "../events/event-store.js";
import type { StoredEvent } from "../events/event-types.js";
import { listUserRuns } from "../journeys/journey-admin-store.js";

export interface ContactProfile {
  contact: ContactRecord;
  subscription: {
    subscribed: boolean;
    unsubscribedAt: Date | null;
    /** Set when the contact's address is on the suppression list (bounce, complaint, manual). */
    suppression: { reason: string; createdAt: Date } | null;
    /** Per-category opt-outs from the preference center. */
    categories: Array<{ category: string; unsubscribedAt: Date | null }>;
  };
  recentEvents: StoredEvent[];
  journeyRuns: Array<{
    runId: string;
    journeyId: string;
    status: string;
    currentNodeId: string | null;
    createdAt: Date;
    updatedAt: Date;
    completedAt: Date | null;
  }>;
  recentMessages: Array<{ id: string; template: string; subject: string; status: string; createdAt: Date }>;
}

/**
 * The full picture of one person for the admin API, assembled from each module's own store: the contact, their
 * events, journey runs, messages, suppression and category preferences. Undefined when there is no contact.
 */
export async function getContactProfile(
  q: Queryable,
  userId: string,
  options: { eventLimit?: number } = {},
): Promise<ContactProfile | undefined> {
  const contact = await getContactRecord(q, userId);
  if (!contact) return undefined;
  // Sequential: `q` may be one client, which runs one query at a time.
  const recentEvents = await listUserEvents(q, userId, options.eventLimit ?? 50);
  const runs = await listUserRuns(q, userId, 100);
  const recentMessages = await listUserMessageSummaries(q, userId, 50);
  const suppression = contact.email ? await getSuppression(q, contact.email) : undefined;
  const categories = await listCategoryPreferences(q, userId);
  return {
    contact,
    subscription: {
      subscribed: contact.subscribed,
      unsubscribedAt: contact.unsubscribedAt,
      suppression: suppression ? { reason: suppression.reason, createdAt: suppression.createdAt } : null,
      categories,
    },
    recentEvents,
    journeyRuns: runs.map((run) => ({
      runId: run.id,
      journeyId: run.journeyId,
      status: run.status,
      currentNodeId: run.currentNodeId,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
      completedAt: run.completedAt,
    })),
    recentMessages,
  };
}
