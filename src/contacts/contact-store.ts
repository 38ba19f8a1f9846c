import type { Queryable } from "../db/database.js";
import type { StoredEvent } from "../events/event-types.js";
import { CONTACT_COLUMNS, type ContactRecord, type ContactRow, toContactRecord } from "./contact-record.js";

/**
 * SQL for a new contact's unsubscribed_at, given `t.user_id` and `t.email`: now() when a GDPR erase left a
 * tombstone for the same user id or address, so a returning person is recreated unsubscribed rather than
 * silently re-enrolled (an admin can resubscribe them with PUT /v1/admin/contacts/:userId).
 */
export const TOMBSTONED_UNSUBSCRIBE = `CASE WHEN EXISTS (
    SELECT 1 FROM contact_tombstones ct
     WHERE ct.user_id_hash = encode(sha256(convert_to(t.user_id, 'UTF8')), 'hex')
        OR (t.email IS NOT NULL AND ct.email_hash = encode(sha256(convert_to(lower(t.email), 'UTF8')), 'hex'))
  ) THEN now() END`;

/**
 * Every routed event upserts its contact: `userId`, the email when the event carries one, and properties from
 * `properties.$set` (overwrite) and `properties.$set_once` (only when absent). Other event properties describe the
 * event, not the person, and are not copied. Applied in event order inside the routing transaction. A contact
 * erased earlier (see `eraseContact`) comes back unsubscribed.
 */
export async function upsertContactsFromEvents(q: Queryable, events: readonly StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Fold the batch per user first so one statement covers the batch and later events win.
  const byUser = new Map<
    string,
    {
      email: string | null;
      set: Record<string, unknown>;
      setOnce: Record<string, unknown>;
      seen: Date;
      create: boolean;
    }
  >();
  for (const event of events) {
    const entry = byUser.get(event.userId) ?? {
      email: null,
      set: {},
      setOnce: {},
      seen: event.occurredAt,
      create: false,
    };
    if (event.userEmail) entry.email = event.userEmail;
    // PostHog's own flag for a personless event: it updates a contact that exists but creates none (an
    // anonymous visitor without an email is not a contact until identified).
    if (event.userEmail || event.properties.$process_person_profile !== false) entry.create = true;
    const set = objectOrEmpty(event.properties.$set);
    const setOnce = objectOrEmpty(event.properties.$set_once);
    Object.assign(entry.set, set);
    for (const [key, value] of Object.entries(setOnce))
      if (!(key in entry.setOnce)) entry.setOnce[key] = value;
    if (event.occurredAt > entry.seen) entry.seen = event.occurredAt;
    byUser.set(event.userId, entry);
  }
  const all = [...byUser.entries()];
  const users = all.filter(([, e]) => e.create);
  const params = [
    users.map(([userId]) => userId),
    users.map(([, e]) => e.email),
    users.map(([, e]) => JSON.stringify(e.set)),
    users.map(([, e]) => JSON.stringify(e.setOnce)),
    users.map(([, e]) => e.seen.toISOString()),
  ];
  await q.query(
    `INSERT INTO contacts AS c (user_id, email, properties, last_seen_at, unsubscribed_at)
     SELECT t.user_id, t.email, t.set_once || t.set, t.seen, ${TOMBSTONED_UNSUBSCRIBE}
       FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[], $5::timestamptz[])
         AS t(user_id, email, set, set_once, seen)
     ON CONFLICT (user_id) DO UPDATE SET
       email = COALESCE(EXCLUDED.email, c.email),
       last_seen_at = GREATEST(c.last_seen_at, EXCLUDED.last_seen_at),
       updated_at = now()`,
    params,
  );
  // Property merge for existing contacts: $set_once only fills gaps, $set overwrites. Re-applying it to a row
  // the insert just created is a no-op, so one statement serves both cases.
  await q.query(
    `UPDATE contacts c SET properties = (t.set_once || c.properties) || t.set
       FROM unnest($1::text[], $2::jsonb[], $3::jsonb[]) AS t(user_id, set, set_once)
      WHERE c.user_id = t.user_id AND (t.set <> '{}'::jsonb OR t.set_once <> '{}'::jsonb)`,
    [
      all.map(([userId]) => userId),
      all.map(([, e]) => JSON.stringify(e.set)),
      all.map(([, e]) => JSON.stringify(e.setOnce)),
    ],
  );
  const touched = all.filter(([, e]) => !e.create);
  if (touched.length > 0) {
    await q.query(
      `UPDATE contacts c SET last_seen_at = GREATEST(c.last_seen_at, t.seen), updated_at = now()
         FROM unnest($1::text[], $2::timestamptz[]) AS t(user_id, seen) WHERE c.user_id = t.user_id`,
      [touched.map(([userId]) => userId), touched.map(([, e]) => e.seen.toISOString())],
    );
  }
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export interface ContactSnapshot {
  userId: string;
  email: string | null;
  properties: Record<string, unknown>;
  unsubscribedAt: Date | null;
}

export async function getContact(q: Queryable, userId: string): Promise<ContactSnapshot | undefined> {
  const result = await q.query<{
    user_id: string;
    email: string | null;
    properties: Record<string, unknown>;
    unsubscribed_at: Date | null;
  }>("SELECT user_id, email, properties, unsubscribed_at FROM contacts WHERE user_id = $1", [userId]);
  const row = result.rows[0];
  return row
    ? {
        userId: row.user_id,
        email: row.email,
        properties: row.properties,
        unsubscribedAt: row.unsubscribed_at,
      }
    : undefined;
}

/**
 * False once the contact has unsubscribed from everything; unknown contacts are subscribed. (Whether mail can
 * reach them — suppression — is the email module's to add: see email/journey-email.ts.)
 */
export async function isUserSubscribed(q: Queryable, userId: string): Promise<boolean> {
  const result = await q.query<{ unsubscribed: boolean }>(
    "SELECT unsubscribed_at IS NOT NULL AS unsubscribed FROM contacts WHERE user_id = $1",
    [userId],
  );
  return result.rows[0]?.unsubscribed !== true;
}

export interface RoutingContact {
  email: string | null;
  properties: Record<string, unknown>;
  unsubscribed: boolean;
}

/** What routing needs of each of `userIds`' contacts: properties for conditions, the unsubscribe guard. */
export async function getRoutingContacts(
  q: Queryable,
  userIds: readonly string[],
): Promise<Map<string, RoutingContact>> {
  const result = await q.query<{
    user_id: string;
    email: string | null;
    properties: Record<string, unknown>;
    unsub: boolean;
  }>(
    `SELECT user_id, email, properties, unsubscribed_at IS NOT NULL AS unsub FROM contacts
      WHERE user_id = ANY($1::text[])`,
    [userIds],
  );
  return new Map(
    result.rows.map((row) => [
      row.user_id,
      { email: row.email, properties: row.properties, unsubscribed: row.unsub },
    ]),
  );
}

/** The stored properties of each of `userIds` that has a contact (for rendering a batch of emails). */
export async function contactPropertiesByUserId(
  q: Queryable,
  userIds: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  if (userIds.length === 0) return new Map();
  const result = await q.query<{ user_id: string; properties: Record<string, unknown> }>(
    "SELECT user_id, properties FROM contacts WHERE user_id = ANY($1::text[])",
    [[...new Set(userIds)]],
  );
  return new Map(result.rows.map((row) => [row.user_id, row.properties]));
}

/** Address, properties and global unsubscribe of each contact (a broadcast's chunk of recipients, one query). */
export async function contactsForSend(
  q: Queryable,
  userIds: readonly string[],
): Promise<
  Map<string, { email: string | null; properties: Record<string, unknown>; unsubscribed: boolean }>
> {
  if (userIds.length === 0) return new Map();
  const result = await q.query<{
    user_id: string;
    email: string | null;
    properties: Record<string, unknown>;
    unsubscribed: boolean;
  }>(
    `SELECT user_id, email, properties, unsubscribed_at IS NOT NULL AS unsubscribed
       FROM contacts WHERE user_id = ANY($1::text[])`,
    [[...new Set(userIds)]],
  );
  return new Map(
    result.rows.map((row) => [
      row.user_id,
      { email: row.email, properties: row.properties, unsubscribed: row.unsubscribed },
    ]),
  );
}

/**
 * Who a global unsubscribe applies to: a user id, or (address-only mail) an address, which every contact holding
 * it follows. `key` is the contact row written for the subject (the user id, or the lower-cased address).
 */
export interface UnsubscribeTarget {
  key: string;
  userId: string | null;
  email: string;
}

/** True when the contact (or, for an address-only target, any contact holding the address) unsubscribed. */
export async function isGloballyUnsubscribed(
  q: Queryable,
  target: { userId: string | null; email: string; key?: string },
): Promise<boolean> {
  const result = await q.query<{ unsubscribed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM contacts WHERE unsubscribed_at IS NOT NULL
              AND (user_id = $1 OR ($2::boolean AND lower(email) = lower($3)))) AS unsubscribed`,
    [target.key ?? target.userId ?? target.email.toLowerCase(), target.userId === null, target.email.trim()],
  );
  return result.rows[0]?.unsubscribed ?? false;
}

/**
 * The global unsubscribe on (`at`) or off (null). Creates the contact when it does not exist yet, so an
 * unsubscribe that arrives before any event about the person is not lost; an address-only target carries every
 * contact holding the address with it.
 */
export async function setGloballyUnsubscribed(
  q: Queryable,
  target: UnsubscribeTarget,
  at: Date | null,
): Promise<void> {
  await q.query(
    `INSERT INTO contacts (user_id, email, unsubscribed_at) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET
       unsubscribed_at = CASE WHEN $3::timestamptz IS NULL THEN NULL
                              ELSE COALESCE(contacts.unsubscribed_at, $3) END,
       updated_at = now()`,
    [target.key, target.email, at?.toISOString() ?? null],
  );
  if (target.userId === null) {
    await q.query(
      `UPDATE contacts SET unsubscribed_at = CASE WHEN $2::timestamptz IS NULL THEN NULL
                                                  ELSE COALESCE(unsubscribed_at, $2) END,
                           updated_at = now()
        WHERE lower(email) = lower($1) AND user_id <> lower($1)`,
      [target.email, at?.toISOString() ?? null],
    );
  }
}

/**
 * Of `recipients` (index-aligned user ids and addresses), the indexes whose contact unsubscribed globally — by
 * user id or by address. One statement for a whole claimed batch.
 */
export async function unsubscribedRecipients(
  q: Queryable,
  recipients: ReadonlyArray<{ userId: string | null; email: string }>,
): Promise<Set<number>> {
  if (recipients.length === 0) return new Set();
  const result = await q.query<{ i: number }>(
    `SELECT t.i FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(user_id, email, i)
      WHERE EXISTS (SELECT 1 FROM contacts c WHERE c.unsubscribed_at IS NOT NULL
                      AND (c.user_id = t.user_id OR lower(c.email) = lower(trim(t.email))))`,
    [recipients.map((r) => r.userId), recipients.map((r) => r.email)],
  );
  return new Set(result.rows.map((row) => Number(row.i) - 1));
}

/** The most recently seen contact holding `email` (lower-cased), for outcomes that name only an address. */
export async function findUserIdByEmail(q: Queryable, email: string): Promise<string | null> {
  if (!email) return null;
  const result = await q.query<{ user_id: string }>(
    "SELECT user_id FROM contacts WHERE lower(email) = $1 ORDER BY last_seen_at DESC NULLS LAST LIMIT 1",
    [email],
  );
  return result.rows[0]?.user_id ?? null;
}

/** One contact as the admin API shows it, or undefined. */
export async function getContactRecord(q: Queryable, userId: string): Promise<ContactRecord | undefined> {
  const result = await q.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE user_id = $1`, [
    userId,
  ]);
  const row = result.rows[0];
  return row ? toContactRecord(row) : undefined;
}

/** Deletes the contact row; `found` says whether there was one, `email` the address it held. */
export async function deleteContact(
  q: Queryable,
  userId: string,
): Promise<{ found: boolean; email: string | null }> {
  const result = await q.query<{ email: string | null }>(
    "DELETE FROM contacts WHERE user_id = $1 RETURNING email",
    [userId],
  );
  return { found: result.rows.length > 0, email: result.rows[0]?.email ?? null };
}

/**
 * Leaves a tombstone of one-way hashes (sha256 of the user id and of the lower-cased email) for an erased person,
 * so a later event for them recreates the contact unsubscribed (TOMBSTONED_UNSUBSCRIBE).
 */
export async function writeContactTombstone(
  q: Queryable,
  userId: string,
  email: string | null,
): Promise<void> {
  await q.query(
    `INSERT INTO contact_tombstones (user_id_hash, email_hash)
     VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex'),
             CASE WHEN $2::text IS NULL THEN NULL ELSE encode(sha256(convert_to(lower($2), 'UTF8')), 'hex') END)
     ON CONFLICT (user_id_hash) DO UPDATE SET
       email_hash = COALESCE(EXCLUDED.email_hash, contact_tombstones.email_hash), erased_at = now()`,
    [userId, email],
  );
}

/** lower(email) → user id of the most recently seen contact with it, for the addresses that have one. */
export async function userIdsByEmails(q: Queryable, emails: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(emails.map((e) => e.toLowerCase()))];
  if (unique.length === 0) return new Map();
  const result = await q.query<{ email: string; user_id: string }>(
    `SELECT DISTINCT ON (lower(email)) lower(email) AS email, user_id FROM contacts
      WHERE lower(email) = ANY($1::text[]) ORDER BY lower(email), last_seen_at DESC NULLS LAST`,
    [unique],
  );
  return new Map(result.rows.map((row) => [row.email, row.user_id]));
}

/** Global unsubscribes since `since` (the overview's unsubscribe rate; contacts_unsubscribed_at). */
export async function countGlobalUnsubscribesSince(q: Queryable, since: Date): Promise<number> {
  const result = await q.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM contacts WHERE unsubscribed_at >= $1",
    [since.toISOString()],
  );
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * How many contacts there are: exact up to 100,000, the planner's estimate (refreshed by autovacuum's analyze)
 * above that, where an exact count would scan the table on every overview load.
 */
export async function countContacts(q: Queryable): Promise<{ count: number; approximate: boolean }> {
  // reltuples is -1 until the first ANALYZE; the statistics' live-row count covers a fresh bulk load meanwhile.
  const estimate = await q.query<{ n: number }>(
    `SELECT greatest(c.reltuples, coalesce(s.n_live_tup, 0))::float8 AS n
       FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE c.oid = 'contacts'::regclass`,
  );
  const estimated = estimate.rows[0]?.n ?? -1;
  if (estimated >= 100_000) return { count: Math.round(estimated), approximate: true };
  const exact = await q.query<{ n: string }>("SELECT count(*)::text AS n FROM contacts");
  return { count: Number(exact.rows[0]?.n ?? 0), approximate: false };
}

/** The raw value of one top-level contact property (as text), or null when the contact or property is missing. */
export async function getContactPropertyText(
  q: Queryable,
  userId: string,
  property: string,
): Promise<string | null> {
  const result = await q.query<{ value: string | null }>(
    "SELECT properties->>$2 AS value FROM contacts WHERE user_id = $1",
    [userId, property],
  );
  return result.rows[0]?.value ?? null;
}
