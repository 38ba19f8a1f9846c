import type { Queryable } from "../db/database.js";
import { createKeysetCursor } from "../db/keyset-cursor.js";

/** The owner of `source_receipts` (migration 0075): every verified inbound delivery, raw, with its outcome. */

export type ReceiptStatus = "processed" | "ignored" | "rejected" | "unresolved";

export interface SourceReceipt {
  id: number;
  source: string;
  deliveryId: string;
  status: ReceiptStatus;
  reason: string | null;
  eventCount: number;
  lookupEmail: string | null;
  lookupAlias: string | null;
  receivedAt: Date;
  resolvedAt: Date | null;
  rawBody?: string;
}

/** A pending event of an unresolved receipt: an ingest-ready event without its user. */
export interface PendingEvent {
  messageId: string;
  event: string;
  userEmail: string | null;
  properties: Record<string, unknown>;
  occurredAt: string;
}

/**
 * Claims a delivery in the caller's transaction: its id, or undefined when (source, deliveryId) is already there
 * (a redelivery). Committing it with the delivery's events is what makes a delivery count once.
 */
export async function claimReceipt(
  q: Queryable,
  receipt: {
    source: string;
    deliveryId: string;
    status: ReceiptStatus;
    reason?: string | null;
    rawBody: string;
    eventCount: number;
    pending?: PendingEvent[] | null;
    lookupEmail?: string | null;
    lookupAlias?: string | null;
    at: Date;
  },
): Promise<number | undefined> {
  const result = await q.query<{ id: string }>(
    `INSERT INTO source_receipts (source, delivery_id, status, reason, raw_body, event_count, pending_events,
                                  lookup_email, lookup_alias, received_at, resolved_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, lower($8), $9, $10, CASE WHEN $3 = 'processed' THEN $10::timestamptz END)
     ON CONFLICT (source, delivery_id) DO NOTHING RETURNING id`,
    [
      receipt.source,
      receipt.deliveryId,
      receipt.status,
      receipt.reason ?? null,
      receipt.rawBody,
      receipt.eventCount,
      receipt.pending ? JSON.stringify(receipt.pending) : null,
      receipt.lookupEmail ?? null,
      receipt.lookupAlias ?? null,
      receipt.at.toISOString(),
    ],
  );
  const id = result.rows[0]?.id;
  return id === undefined ? undefined : Number(id);
}

export interface UnresolvedReceipt {
  id: number;
  source: string;
  lookupEmail: string | null;
  lookupAlias: string | null;
  pending: PendingEvent[];
}

/**
 * A page of unresolved receipts after `afterId`, oldest first, locked in the caller's transaction (SKIP LOCKED:
 * a concurrent resolver takes the others).
 */
export async function takeUnresolvedReceipts(
  q: Queryable,
  afterId: number,
  limit: number,
  /** Only receipts waiting for one of these emails (lower-case) or aliases: an index lookup, not a scan. */
  keys?: { emails: readonly string[]; aliases: readonly string[] },
): Promise<UnresolvedReceipt[]> {
  const result = await q.query<{
    id: string;
    source: string;
    lookup_email: string | null;
    lookup_alias: string | null;
    pending_events: PendingEvent[] | null;
  }>(
    `SELECT id, source, lookup_email, lookup_alias, pending_events FROM source_receipts
      WHERE status = 'unresolved' AND id > $1
        AND ($3::text[] IS NULL OR lookup_email = ANY($3::text[]) OR lookup_alias = ANY($4::text[]))
      ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [afterId, limit, keys ? keys.emails.map((e) => e.toLowerCase()) : null, keys ? keys.aliases : null],
  );
  return result.rows.map((row) => ({
    id: Number(row.id),
    source: row.source,
    lookupEmail: row.lookup_email,
    lookupAlias: row.lookup_alias,
    pending: row.pending_events ?? [],
  }));
}

export async function markReceiptsResolved(
  q: Queryable,
  resolved: ReadonlyArray<{ id: number; userId: string }>,
  at: Date,
): Promise<void> {
  if (resolved.length === 0) return;
  await q.query(
    `UPDATE source_receipts r SET status = 'processed', resolved_at = $3, pending_events = NULL,
            reason = 'resolved to user ' || t.user_id
       FROM unnest($1::bigint[], $2::text[]) AS t(id, user_id) WHERE r.id = t.id`,
    [resolved.map((r) => r.id), resolved.map((r) => r.userId), at.toISOString()],
  );
}

const RECEIPT_CURSOR = createKeysetCursor("int");

interface ReceiptRow {
  id: string;
  source: string;
  delivery_id: string;
  status: ReceiptStatus;
  reason: string | null;
  event_count: number;
  lookup_email: string | null;
  lookup_alias: string | null;
  received_at: Date;
  resolved_at: Date | null;
  raw_body?: string;
}

const toReceipt = (row: ReceiptRow): SourceReceipt => ({
  id: Number(row.id),
  source: row.source,
  deliveryId: row.delivery_id,
  status: row.status,
  reason: row.reason,
  eventCount: row.event_count,
  lookupEmail: row.lookup_email,
  lookupAlias: row.lookup_alias,
  receivedAt: row.received_at,
  resolvedAt: row.resolved_at,
  ...(row.raw_body === undefined ? {} : { rawBody: row.raw_body }),
});

const COLUMNS =
  "id, source, delivery_id, status, reason, event_count, lookup_email, lookup_alias, received_at, resolved_at";

/** Newest first, keyset-paginated on id; optionally one source and/or one status. */
export async function listReceipts(
  q: Queryable,
  params: {
    source?: string | undefined;
    status?: ReceiptStatus | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ receipts: SourceReceipt[]; nextCursor: string | null }> {
  const before = params.cursor === undefined ? null : RECEIPT_CURSOR.decode(params.cursor)[0];
  const result = await q.query<ReceiptRow>(
    `SELECT ${COLUMNS} FROM source_receipts
      WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR status = $2)
        AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [params.source ?? null, params.status ?? null, before, params.limit + 1],
  );
  const rows = result.rows.slice(0, params.limit);
  const last = rows[rows.length - 1];
  return {
    receipts: rows.map(toReceipt),
    nextCursor: result.rows.length > params.limit && last ? RECEIPT_CURSOR.encode(Number(last.id)) : null,
  };
}

/** One receipt with its raw body. */
export async function getReceipt(q: Queryable, id: number): Promise<SourceReceipt | undefined> {
  const result = await q.query<ReceiptRow>(`SELECT ${COLUMNS}, raw_body FROM source_receipts WHERE id = $1`, [
    id,
  ]);
  const row = result.rows[0];
  return row ? toReceipt(row) : undefined;
}
