import { contactPageSql } from "../contacts/contact-audience-sql.js";
import type { Queryable } from "../db/database.js";
import { createKeysetCursor } from "../db/keyset-cursor.js";
import type { Audience } from "./audience-schema.js";
import { AUDIENCE_ALIAS, compileAudience } from "./audience-sql.js";

/** The owner of `broadcast_recipients` (migration 0120): who a broadcast goes to, and what became of each. */

export const RECIPIENT_STATUSES = ["pending", "waiting", "queued", "skipped"] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/** The idempotency key of a recipient's message: the same on every attempt, by any worker. */
export function broadcastMessageKey(broadcastId: string, userId: string): string {
  return `hogsend:broadcast:${broadcastId}:${userId}`;
}

/**
 * Materialises one keyset page of contacts: in one statement, the next `pageSize` contacts after the cursor are
 * filtered by the audience, inserted as recipients (ON CONFLICT DO NOTHING: a page done twice adds nothing), the
 * cursor moves past the page and the recipients counter grows — fenced on the lease, so a worker that lost the
 * broadcast writes nothing. Memory is one page whatever the audience's size; a crash redoes at most one page.
 * `last` null: the page was the end of the contacts.
 */
export async function materializeRecipientPage(
  q: Queryable,
  params: {
    broadcastId: string;
    owner: string;
    audience: Audience;
    category: string;
    after: string | null;
    pageSize: number;
    now: Date;
    leaseUntil: Date;
  },
): Promise<{ scanned: number; inserted: number; last: string | null; fenced: boolean }> {
  const compiled = compileAudience(params.audience, params.category, params.now);
  const p = compiled.params;
  const page = contactPageSql(p, AUDIENCE_ALIAS, params.after, params.pageSize);
  const id = p.add(params.broadcastId, "::uuid");
  const result = await q.query<{ scanned: number; inserted: number; last: string | null; fenced: boolean }>(
    `WITH page AS (SELECT * FROM ${page}),
     fence AS (
       UPDATE broadcasts SET materialize_cursor = COALESCE((SELECT max(user_id) FROM page), materialize_cursor),
              lease_expires_at = ${p.add(params.leaseUntil, "::timestamptz")}, updated_at = now()
        WHERE id = ${id} AND lease_owner = ${p.add(params.owner, "::text")} AND status = 'materializing'
        RETURNING 1),
     ins AS (
       INSERT INTO broadcast_recipients (broadcast_id, user_id)
       SELECT ${id}, ${AUDIENCE_ALIAS}.user_id FROM page ${AUDIENCE_ALIAS}
        WHERE EXISTS (SELECT 1 FROM fence) AND ${compiled.where}
       ON CONFLICT DO NOTHING RETURNING 1),
     counted AS (
       INSERT INTO broadcast_stat_deltas (broadcast_id, metric, delta)
       SELECT ${id}, 'recipients', count(*) FROM ins HAVING count(*) > 0)
     SELECT (SELECT count(*) FROM page)::int AS scanned, (SELECT count(*) FROM ins)::int AS inserted,
            (SELECT max(user_id) FROM page) AS last, EXISTS (SELECT 1 FROM fence) AS fenced`,
    p.values,
  );
  const row = result.rows[0] as { scanned: number; inserted: number; last: string | null; fenced: boolean };
  return row;
}

/** The next pending recipients after `after`, by user id (the chunk holds the broadcast row, so no other chunk reads them). */
export async function pendingRecipients(
  q: Queryable,
  params: { broadcastId: string; after: string | null; limit: number },
): Promise<string[]> {
  const result = await q.query<{ user_id: string }>(
    `SELECT user_id FROM broadcast_recipients
      WHERE broadcast_id = $1 AND ($2::text IS NULL OR user_id > $2) AND status = 'pending'
      ORDER BY user_id LIMIT $3`,
    [params.broadcastId, params.after, params.limit],
  );
  return result.rows.map((row) => row.user_id);
}

/** Recipients whose send window has opened by `now` (the chunk holds the broadcast row, so no other chunk reads them). */
export async function dueWaitingRecipients(
  q: Queryable,
  params: { broadcastId: string; now: Date; limit: number },
): Promise<string[]> {
  const result = await q.query<{ user_id: string }>(
    `SELECT user_id FROM broadcast_recipients
      WHERE broadcast_id = $1 AND status = 'waiting' AND not_before <= $2
      ORDER BY not_before, user_id LIMIT $3`,
    [params.broadcastId, params.now.toISOString(), params.limit],
  );
  return result.rows.map((row) => row.user_id);
}

/** When the next waiting recipient's window opens; null when none waits. */
export async function nextWaitingAt(q: Queryable, broadcastId: string): Promise<Date | null> {
  const result = await q.query<{ at: Date | null }>(
    "SELECT min(not_before) AS at FROM broadcast_recipients WHERE broadcast_id = $1 AND status = 'waiting'",
    [broadcastId],
  );
  return result.rows[0]?.at ?? null;
}

export interface RecipientOutcome {
  userId: string;
  status: "waiting" | "queued" | "skipped";
  reason: string | null;
  messageId: string | null;
  notBefore: Date | null;
}

/** Records what became of a chunk's recipients (one statement). */
export async function recordRecipientOutcomes(
  q: Queryable,
  broadcastId: string,
  outcomes: readonly RecipientOutcome[],
): Promise<void> {
  if (outcomes.length === 0) return;
  await q.query(
    `UPDATE broadcast_recipients r SET status = t.status, reason = t.reason, message_id = t.message_id,
            not_before = t.not_before
       FROM unnest($2::text[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[])
            AS t(user_id, status, reason, message_id, not_before)
      WHERE r.broadcast_id = $1 AND r.user_id = t.user_id`,
    [
      broadcastId,
      outcomes.map((o) => o.userId),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.reason),
      outcomes.map((o) => o.messageId),
      outcomes.map((o) => o.notBefore?.toISOString() ?? null),
    ],
  );
}

/** The messages of queued recipients after `after` (a cancel takes them out of the outbox page by page). */
export async function queuedRecipientMessages(
  q: Queryable,
  params: { broadcastId: string; after: string | null; limit: number },
): Promise<{ messageIds: string[]; last: string | null }> {
  const result = await q.query<{ user_id: string; message_id: string }>(
    `SELECT user_id, message_id FROM broadcast_recipients
      WHERE broadcast_id = $1 AND ($2::text IS NULL OR user_id > $2) AND status = 'queued'
      ORDER BY user_id LIMIT $3`,
    [params.broadcastId, params.after, params.limit],
  );
  return {
    messageIds: result.rows.map((row) => row.message_id),
    last: result.rows.length < params.limit ? null : (result.rows[result.rows.length - 1]?.user_id ?? null),
  };
}

export interface BroadcastRecipient {
  userId: string;
  status: RecipientStatus;
  reason: string | null;
  messageId: string | null;
  notBefore: Date | null;
}

const RECIPIENT_CURSOR = createKeysetCursor("text");

/** A broadcast's recipients by user id, keyset-paginated (optionally one status). */
export async function listRecipients(
  q: Queryable,
  params: {
    broadcastId: string;
    status?: RecipientStatus | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ recipients: BroadcastRecipient[]; nextCursor: string | null }> {
  const after = params.cursor === undefined ? null : RECIPIENT_CURSOR.decode(params.cursor)[0];
  const result = await q.query<{
    user_id: string;
    status: RecipientStatus;
    reason: string | null;
    message_id: string | null;
    not_before: Date | null;
  }>(
    `SELECT user_id, status, reason, message_id, not_before FROM broadcast_recipients
      WHERE broadcast_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR user_id > $3)
      ORDER BY user_id LIMIT $4`,
    [params.broadcastId, params.status ?? null, after, params.limit + 1],
  );
  const rows = result.rows.slice(0, params.limit);
  const last = rows[rows.length - 1];
  return {
    recipients: rows.map((row) => ({
      userId: row.user_id,
      status: row.status,
      reason: row.reason,
      messageId: row.message_id,
      notBefore: row.not_before,
    })),
    nextCursor: result.rows.length > params.limit && last ? RECIPIENT_CURSOR.encode(last.user_id) : null,
  };
}
