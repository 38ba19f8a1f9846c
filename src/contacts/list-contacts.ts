import type { Queryable } from "../db/database.js";
import { createKeysetCursor } from "../db/keyset-cursor.js";
import { CONTACT_COLUMNS, type ContactRecord, type ContactRow, toContactRecord } from "./contact-record.js";

const CONTACT_CURSOR = createKeysetCursor("text");

export interface ContactPage {
  contacts: ContactRecord[];
  nextCursor: string | null;
}

/**
 * Contacts in user id order, keyset-paginated. `search` matches a substring of the user id or email,
 * case-insensitively; it scans, which is fine for an admin screen but not for a hot path.
 */
export async function listContacts(
  q: Queryable,
  params: { search?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<ContactPage> {
  const pattern =
    params.search === undefined ? null : `%${params.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const after = params.cursor === undefined ? null : CONTACT_CURSOR.decode(params.cursor)[0];
  const result = await q.query<ContactRow>(
    `SELECT ${CONTACT_COLUMNS} FROM contacts
      WHERE ($1::text IS NULL OR user_id ILIKE $1 OR email ILIKE $1)
        AND ($2::text IS NULL OR user_id > $2)
      ORDER BY user_id LIMIT $3`,
    [pattern, after, params.limit + 1],
  );
  const rows = result.rows.slice(0, params.limit);
  const last = rows[rows.length - 1];
  return {
    contacts: rows.map(toContactRecord),
    nextCursor: result.rows.length > params.limit && last ? CONTACT_CURSOR.encode(last.user_id) : null,
  };
}

/** Keyset pages of every contact, for export: constant memory whatever the table size. */
export async function* iterateContacts(q: Queryable, pageSize = 1000): AsyncGenerator<ContactRecord[]> {
  let after: string | null = null;
  for (;;) {
    const result: { rows: ContactRow[] } = await q.query<ContactRow>(
      `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE ($1::text IS NULL OR user_id > $1) ORDER BY user_id LIMIT $2`,
      [after, pageSize],
    );
    if (result.rows.length === 0) return;
    yield result.rows.map(toContactRecord);
    if (result.rows.length < pageSize) return;
    after = result.rows[result.rows.length - 1]!.user_id;
  }
}
