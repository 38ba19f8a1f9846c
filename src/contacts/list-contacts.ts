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
  params: { search?: string | undefined; q?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<ContactPage> {
  if (params.q !== undefined) return searchContacts(q, { ...params, q: params.q });
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

/**
 * Studio's contact search, every branch on an index: the exact user id (primary key), an email prefix
 * (contacts_email_prefix), and for `property:value` jsonb containment (contacts_properties, GIN). The value is
 * matched as the string and, when it parses as JSON (a number, true/false/null), as that value too.
 */
async function searchContacts(
  q: Queryable,
  params: { q: string; cursor?: string | undefined; limit: number },
): Promise<ContactPage> {
  const term = params.q.trim();
  const colon = term.indexOf(":");
  const containments: string[] = [];
  if (colon > 0) {
    const property = term.slice(0, colon);
    const raw = term.slice(colon + 1);
    containments.push(JSON.stringify({ [property]: raw }));
    const parsed = parseScalar(raw);
    if (parsed !== undefined) containments.push(JSON.stringify({ [property]: parsed }));
  }
  const prefix = `${term.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const after = params.cursor === undefined ? null : CONTACT_CURSOR.decode(params.cursor)[0];
  const values = [term, prefix, containments[0] ?? null, containments[1] ?? null, after];
  const matches = `(user_id = $1 OR lower(email) LIKE $2 OR properties @> $3::jsonb OR properties @> $4::jsonb)`;
  // A rare match (most searches) is found through the indexes and sorted; a common one (`plan:pro`, a short
  // prefix: thousands of rows) would sort them all, so it walks user ids in order through a bounded window
  // instead and stops at a page. The probe itself stops at SPARSE_LIMIT rows.
  const probe = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts WHERE ${matches} AND ($5::text IS NULL OR user_id > $5)
      LIMIT ${SPARSE_LIMIT}) m`,
    values,
  );
  if ((probe.rows[0]?.n ?? 0) < SPARSE_LIMIT) {
    const result = await q.query<ContactRow>(
      `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE ${matches} AND ($5::text IS NULL OR user_id > $5)
        ORDER BY user_id LIMIT $6`,
      [...values, params.limit + 1],
    );
    const rows = result.rows.slice(0, params.limit);
    const last = rows[rows.length - 1];
    return {
      contacts: rows.map(toContactRecord),
      nextCursor: result.rows.length > params.limit && last ? CONTACT_CURSOR.encode(last.user_id) : null,
    };
  }
  // Dense: the window's LIMIT keeps the primary-key order walk bounded; a page may come back short, and the
  // cursor then continues after the last user id the window looked at.
  const where = matches
    .replaceAll("user_id", "w.user_id")
    .replaceAll("lower(email)", "lower(w.email)")
    .replaceAll("properties", "w.properties");
  const result = await q.query<
    Omit<ContactRow, "user_id"> & { user_id: string | null; window_end: string | null; window_full: boolean }
  >(
    `WITH win AS (
       SELECT ${CONTACT_COLUMNS} FROM contacts WHERE ($5::text IS NULL OR user_id > $5) ORDER BY user_id LIMIT $7
     ),
     bounds AS (SELECT max(user_id) AS window_end, count(*) = $7 AS window_full FROM win)
     SELECT m.*, b.window_end, b.window_full FROM bounds b
       LEFT JOIN LATERAL (SELECT w.* FROM win w WHERE ${where} ORDER BY w.user_id LIMIT $6) m ON true
      ORDER BY m.user_id`,
    [...values, params.limit + 1, DENSE_WINDOW],
  );
  const found = result.rows.filter((row): row is typeof row & { user_id: string } => row.user_id !== null);
  const rows = found.slice(0, params.limit);
  const last = rows[rows.length - 1];
  const bounds = result.rows[0];
  const nextCursor =
    found.length > params.limit && last
      ? CONTACT_CURSOR.encode(last.user_id)
      : bounds?.window_full && bounds.window_end
        ? CONTACT_CURSOR.encode(bounds.window_end)
        : null;
  return { contacts: rows.map(toContactRecord), nextCursor };
}

/** Below this many matches a search sorts them; at or above, it walks user ids in order (DENSE_WINDOW at a time). */
const SPARSE_LIMIT = 5_000;
const DENSE_WINDOW = 20_000;

function parseScalar(raw: string): number | boolean | null | undefined {
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (raw === "null") return null;
  const n = Number(raw);
  return raw.trim() !== "" && Number.isFinite(n) ? n : undefined;
}
