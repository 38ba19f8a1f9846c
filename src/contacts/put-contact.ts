import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database, Queryable } from "../db/database.js";
import { CONTACT_COLUMNS, type ContactRecord, type ContactRow, toContactRecord } from "./contact-record.js";

export interface ContactInput {
  /** Omitted: unchanged (null on create). null: cleared. */
  email?: string | null | undefined;
  /** Replaces the whole property set when given; omitted leaves it unchanged. */
  properties?: Record<string, unknown> | undefined;
  /** false unsubscribes from everything (keeping the first unsubscribe time); true resubscribes. */
  subscribed?: boolean | undefined;
}

/** Creates or updates one contact, audited with its before and after. `created` tells the caller which. */
export async function putContact(
  db: Database,
  userId: string,
  input: ContactInput,
  audit: AuditContext,
): Promise<{ contact: ContactRecord; created: boolean }> {
  return db.transaction(async (tx) => {
    const before = await tx.query<ContactRow>(
      `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE user_id = $1 FOR UPDATE`,
      [userId],
    );
    const previous = before.rows[0];
    const result = await writeContact(tx, userId, input);
    await recordAudit(tx, audit, {
      action: result.created ? "contact.created" : "contact.updated",
      targetType: "contact",
      targetId: userId,
      before: previous ? auditView(toContactRecord(previous)) : null,
      after: auditView(result.contact),
    });
    return result;
  });
}

const auditView = (contact: ContactRecord) => ({
  email: contact.email,
  properties: contact.properties,
  unsubscribedAt: contact.unsubscribedAt,
});

async function writeContact(
  q: Queryable,
  userId: string,
  input: ContactInput,
): Promise<{ contact: ContactRecord; created: boolean }> {
  const result = await q.query<ContactRow & { created: boolean }>(
    `INSERT INTO contacts AS c (user_id, email, properties, unsubscribed_at)
     VALUES ($1, $2, COALESCE($3::jsonb, '{}'::jsonb), CASE WHEN $4::boolean = false THEN now() END)
     ON CONFLICT (user_id) DO UPDATE SET
       email = CASE WHEN $5::boolean THEN EXCLUDED.email ELSE c.email END,
       properties = COALESCE($3::jsonb, c.properties),
       unsubscribed_at = CASE WHEN $4::boolean IS NULL THEN c.unsubscribed_at
                              WHEN $4::boolean THEN NULL
                              ELSE COALESCE(c.unsubscribed_at, now()) END,
       updated_at = now()
     RETURNING ${CONTACT_COLUMNS}, (xmax = 0) AS created`,
    [
      userId,
      input.email ?? null,
      input.properties === undefined ? null : JSON.stringify(input.properties),
      input.subscribed ?? null,
      input.email !== undefined,
    ],
  );
  const row = result.rows[0]!;
  return { contact: toContactRecord(row), created: row.created };
}
