import type { Database, Queryable } from "../db/database.js";

export interface EraseResult {
  /** False when there was nothing at all stored for this user id. */
  found: boolean;
  events: number;
  messages: number;
  journeyRuns: number;
}

/**
 * GDPR erase, in one transaction: the contact row, all of the user's events (with their routing-queue and
 * dedupe rows), messages to the user or their addresses (message events cascade), captured mail, journey runs
 * (journal cascades), once-entries and category preferences. What remains is a tombstone of one-way hashes
 * (sha256 of the user id and of the lower-cased email) so that a later event for the same person recreates the
 * contact unsubscribed (see TOMBSTONED_UNSUBSCRIBE) instead of silently resurrecting the address.
 * The suppression list is left alone on purpose: it is the record that an address must never be mailed, and
 * it is owned by email delivery.
 */
export async function eraseContact(db: Database, userId: string): Promise<EraseResult> {
  return db.transaction(async (tx) => {
    const contact = await tx.query<{ email: string | null }>(
      "DELETE FROM contacts WHERE user_id = $1 RETURNING email",
      [userId],
    );
    const emailRows = await tx.query<{ email: string }>(
      `SELECT DISTINCT lower(user_email) AS email FROM events WHERE user_id = $1 AND user_email IS NOT NULL`,
      [userId],
    );
    const contactEmail = contact.rows[0]?.email ?? null;
    const emails = new Set(emailRows.rows.map((r) => r.email));
    if (contactEmail) emails.add(contactEmail.toLowerCase());
    const emailList = [...emails];

    const events = await tx.query<{ deleted: number }>(
      `WITH gone AS (DELETE FROM events WHERE user_id = $1 RETURNING id, message_id),
            queue AS (DELETE FROM event_routing_queue q USING gone g WHERE q.event_id = g.id),
            ids AS (DELETE FROM event_message_ids m USING gone g WHERE m.message_id = g.message_id)
       SELECT count(*)::int AS deleted FROM gone`,
      [userId],
    );
    const present = await presentTables(tx);
    let messages = 0;
    if (present.has("messages")) {
      const result = await tx.query(
        "DELETE FROM messages WHERE user_id = $1 OR lower(to_email) = ANY($2::text[])",
        [userId, emailList],
      );
      messages = result.rowCount ?? 0;
    }
    if (present.has("message_events")) {
      await tx.query("DELETE FROM message_events WHERE email = ANY($1::text[])", [emailList]);
    }
    if (present.has("captured_emails")) {
      await tx.query("DELETE FROM captured_emails WHERE lower(to_email) = ANY($1::text[])", [emailList]);
    }
    if (present.has("email_preferences")) {
      await tx.query("DELETE FROM email_preferences WHERE user_id = $1", [userId]);
    }
    if (present.has("journey_once_entries")) {
      await tx.query("DELETE FROM journey_once_entries WHERE user_id = $1", [userId]);
    }
    let journeyRuns = 0;
    if (present.has("journey_runs")) {
      journeyRuns = (await tx.query("DELETE FROM journey_runs WHERE user_id = $1", [userId])).rowCount ?? 0;
    }
    const eventCount = events.rows[0]?.deleted ?? 0;
    const found = contact.rows.length > 0 || eventCount > 0 || messages > 0 || journeyRuns > 0;
    if (found) {
      await tx.query(
        `INSERT INTO contact_tombstones (user_id_hash, email_hash)
         VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex'),
                 CASE WHEN $2::text IS NULL THEN NULL ELSE encode(sha256(convert_to(lower($2), 'UTF8')), 'hex') END)
         ON CONFLICT (user_id_hash) DO UPDATE SET
           email_hash = COALESCE(EXCLUDED.email_hash, contact_tombstones.email_hash), erased_at = now()`,
        [userId, contactEmail ?? emailList[0] ?? null],
      );
    }
    return { found, events: eventCount, messages, journeyRuns };
  });
}

const OPTIONAL_TABLES = [
  "messages",
  "message_events",
  "captured_emails",
  "email_preferences",
  "journey_once_entries",
  "journey_runs",
];

async function presentTables(q: Queryable): Promise<Set<string>> {
  const result = await q.query<{ name: string }>(
    "SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL",
    [OPTIONAL_TABLES],
  );
  return new Set(result.rows.map((r) => r.name));
}
