import type { Queryable } from "../db/database.js";
import { EVENT_COLUMNS, toStoredEvent } from "../events/event-store.js";
import type { StoredEvent } from "../events/event-types.js";
import { CONTACT_COLUMNS, type ContactRecord, type ContactRow, toContactRecord } from "./contact-record.js";

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
 * The full picture of one contact for the admin API. Journey, message and preference tables belong to other
 * modules and may not exist in every deployment stage, so each is read only when present.
 */
export async function getContactProfile(
  q: Queryable,
  userId: string,
  options: { eventLimit?: number } = {},
): Promise<ContactProfile | undefined> {
  const contactResult = await q.query<ContactRow>(
    `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE user_id = $1`,
    [userId],
  );
  const row = contactResult.rows[0];
  if (!row) return undefined;
  const contact = toContactRecord(row);
  const tables = await q.query<{ runs: boolean; messages: boolean; suppressions: boolean; prefs: boolean }>(
    `SELECT to_regclass('journey_runs') IS NOT NULL AS runs, to_regclass('messages') IS NOT NULL AS messages,
            to_regclass('suppressions') IS NOT NULL AS suppressions,
            to_regclass('email_preferences') IS NOT NULL AS prefs`,
  );
  const present = tables.rows[0]!;
  const events = await q.query<Parameters<typeof toStoredEvent>[0]>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE user_id = $1 ORDER BY id DESC LIMIT $2`,
    [userId, options.eventLimit ?? 50],
  );
  const runs = present.runs
    ? await q.query<{
        id: string;
        journey_id: string;
        status: string;
        current_node_id: string | null;
        created_at: Date;
        updated_at: Date;
        completed_at: Date | null;
      }>(
        `SELECT id, journey_id, status, current_node_id, created_at, updated_at, completed_at
           FROM journey_runs WHERE user_id = $1 ORDER BY created_at DESC LIMIT 100`,
        [userId],
      )
    : { rows: [] };
  const messages = present.messages
    ? await q.query<{ id: string; template: string; subject: string; status: string; created_at: Date }>(
        `SELECT id, template, subject, status, created_at FROM messages
          WHERE user_id = $1 ORDER BY created_at DESC LIMIT 50`,
        [userId],
      )
    : { rows: [] };
  const suppression =
    present.suppressions && contact.email
      ? (
          await q.query<{ reason: string; created_at: Date }>(
            "SELECT reason, created_at FROM suppressions WHERE email = lower($1)",
            [contact.email],
          )
        ).rows[0]
      : undefined;
  const categories = present.prefs
    ? await q.query<{ category: string; unsubscribed_at: Date | null }>(
        "SELECT category, unsubscribed_at FROM email_preferences WHERE user_id = $1 ORDER BY category",
        [userId],
      )
    : { rows: [] };
  return {
    contact,
    subscription: {
      subscribed: contact.subscribed,
      unsubscribedAt: contact.unsubscribedAt,
      suppression: suppression ? { reason: suppression.reason, createdAt: suppression.created_at } : null,
      categories: categories.rows.map((c) => ({ category: c.category, unsubscribedAt: c.unsubscribed_at })),
    },
    recentEvents: events.rows.map(toStoredEvent),
    journeyRuns: runs.rows.map((r) => ({
      runId: r.id,
      journeyId: r.journey_id,
      status: r.status,
      currentNodeId: r.current_node_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      completedAt: r.completed_at,
    })),
    recentMessages: messages.rows.map((m) => ({
      id: m.id,
      template: m.template,
      subject: m.subject,
      status: m.status,
      createdAt: m.created_at,
    })),
  };
}
