import type { Queryable } from "../db/database.js";
import { createKeysetCursor } from "../db/keyset-cursor.js";
import type { SendWindow } from "../journeys/journey-types.js";
import type { Audience } from "./audience-schema.js";

/**
 * The owner of `broadcasts` (migration 0120): the definition, the lifecycle status and the worker loop's
 * progress (cursors and lease).
 */

export const BROADCAST_STATUSES = [
  "draft",
  "scheduled",
  "materializing",
  "sending",
  "sent",
  "cancelled",
] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

export interface Broadcast {
  id: string;
  name: string;
  template: string;
  subject: string | null;
  props: Record<string, unknown>;
  category: string;
  audience: Audience;
  sendWindow: SendWindow | null;
  ratePerSecond: number | null;
  status: BroadcastStatus;
  scheduledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
}

/** What the loop holds while it works a broadcast. */
export interface ClaimedBroadcast extends Broadcast {
  materializeCursor: string | null;
  sendCursor: string | null;
}

interface BroadcastRow {
  id: string;
  name: string;
  template: string;
  subject: string | null;
  props: Record<string, unknown>;
  category: string;
  audience: Audience;
  send_window: SendWindow | null;
  rate_per_second: number | null;
  status: BroadcastStatus;
  scheduled_at: Date | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  materialize_cursor: string | null;
  send_cursor: string | null;
}

const toBroadcast = (row: BroadcastRow): ClaimedBroadcast => ({
  id: row.id,
  name: row.name,
  template: row.template,
  subject: row.subject,
  props: row.props,
  category: row.category,
  audience: row.audience,
  sendWindow: row.send_window,
  ratePerSecond: row.rate_per_second,
  status: row.status,
  scheduledAt: row.scheduled_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  startedAt: row.started_at,
  completedAt: row.completed_at,
  cancelledAt: row.cancelled_at,
  materializeCursor: row.materialize_cursor,
  sendCursor: row.send_cursor,
});

export interface NewBroadcast {
  id: string;
  name: string;
  template: string;
  subject: string | null;
  props: Record<string, unknown>;
  category: string;
  audience: Audience;
  sendWindow: SendWindow | null;
  ratePerSecond: number | null;
}

export async function insertBroadcast(q: Queryable, b: NewBroadcast): Promise<Broadcast> {
  const result = await q.query<BroadcastRow>(
    `INSERT INTO broadcasts (id, name, template, props, category, audience, send_window, rate_per_second, subject)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [
      b.id,
      b.name,
      b.template,
      JSON.stringify(b.props),
      b.category,
      JSON.stringify(b.audience),
      b.sendWindow === null ? null : JSON.stringify(b.sendWindow),
      b.ratePerSecond,
      b.subject,
    ],
  );
  return toBroadcast(result.rows[0] as BroadcastRow);
}

/** One broadcast; `lock` takes its row lock for the rest of the transaction (a lifecycle change). */
export async function getBroadcast(
  q: Queryable,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ClaimedBroadcast | undefined> {
  const result = await q.query<BroadcastRow>(
    `SELECT * FROM broadcasts WHERE id = $1${options.lock ? " FOR UPDATE" : ""}`,
    [id],
  );
  const row = result.rows[0];
  return row ? toBroadcast(row) : undefined;
}

const LIST_CURSOR = createKeysetCursor("timestamp", "uuid");

/** Newest first, keyset-paginated. */
export async function listBroadcasts(
  q: Queryable,
  params: { status?: BroadcastStatus | undefined; cursor?: string | undefined; limit: number },
): Promise<{ broadcasts: Broadcast[]; nextCursor: string | null }> {
  const [at, id] = params.cursor === undefined ? [null, null] : LIST_CURSOR.decode(params.cursor);
  const result = await q.query<BroadcastRow>(
    `SELECT * FROM broadcasts
      WHERE ($1::text IS NULL OR status = $1)
        AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [params.status ?? null, at, id, params.limit + 1],
  );
  const rows = result.rows.slice(0, params.limit).map(toBroadcast);
  const last = rows[rows.length - 1];
  return {
    broadcasts: rows,
    nextCursor:
      result.rows.length > params.limit && last ? LIST_CURSOR.encode(last.createdAt, last.id) : null,
  };
}

/** Draft or scheduled → scheduled for `at` (the loop picks it up then). Call with the row locked. */
export async function scheduleBroadcastRow(q: Queryable, id: string, at: Date): Promise<ClaimedBroadcast> {
  const result = await q.query<BroadcastRow>(
    `UPDATE broadcasts SET status = 'scheduled', scheduled_at = $2, due_at = $2, updated_at = now()
      WHERE id = $1 RETURNING *`,
    [id, at.toISOString()],
  );
  return toBroadcast(result.rows[0] as BroadcastRow);
}

/** → cancelled; the loop's next chunk sees it (it locks the row) and stops. Call with the row locked. */
export async function cancelBroadcastRow(q: Queryable, id: string, at: Date): Promise<ClaimedBroadcast> {
  const result = await q.query<BroadcastRow>(
    `UPDATE broadcasts SET status = 'cancelled', cancelled_at = $2, due_at = NULL, lease_owner = NULL,
            lease_expires_at = NULL, updated_at = now()
      WHERE id = $1 RETURNING *`,
    [id, at.toISOString()],
  );
  return toBroadcast(result.rows[0] as BroadcastRow);
}

/**
 * Takes the next due broadcast for `owner` until `leaseUntil`: one whose time has come and that nobody holds (or
 * whose holder's lease lapsed, a worker that died). SKIP LOCKED: workers never wait on each other here.
 */
export async function claimDueBroadcast(
  q: Queryable,
  params: { owner: string; now: Date; leaseUntil: Date },
): Promise<ClaimedBroadcast | undefined> {
  const result = await q.query<BroadcastRow>(
    `UPDATE broadcasts b SET lease_owner = $1, lease_expires_at = $3, updated_at = now(),
            status = CASE WHEN b.status = 'scheduled' THEN 'materializing' ELSE b.status END,
            started_at = COALESCE(b.started_at, $2)
      WHERE b.id = (SELECT id FROM broadcasts
                     WHERE status IN ('scheduled', 'materializing', 'sending') AND due_at <= $2
                       AND (lease_owner IS NULL OR lease_expires_at < $2 OR lease_owner = $1)
                     ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING b.*`,
    [params.owner, params.now.toISOString(), params.leaseUntil.toISOString()],
  );
  const row = result.rows[0];
  return row ? toBroadcast(row) : undefined;
}

/**
 * Moves a held broadcast on (`materializing` → `sending` → `sent`), renewing the lease, fenced on the holder and
 * the status it expects: false when the lease was lost or the broadcast was cancelled meanwhile.
 */
export async function advanceBroadcast(
  q: Queryable,
  params: {
    id: string;
    owner: string;
    from: BroadcastStatus;
    to: BroadcastStatus;
    now: Date;
    leaseUntil: Date;
  },
): Promise<boolean> {
  const result = await q.query(
    `UPDATE broadcasts SET status = $4, lease_expires_at = $6, updated_at = now(),
            completed_at = CASE WHEN $4 = 'sent' THEN $5::timestamptz ELSE completed_at END
      WHERE id = $1 AND lease_owner = $2 AND status = $3`,
    [
      params.id,
      params.owner,
      params.from,
      params.to,
      params.now.toISOString(),
      params.leaseUntil.toISOString(),
    ],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Lets go of a held broadcast until `dueAt` (the next waiting recipient's window, or now when stopping). */
export async function releaseBroadcast(
  q: Queryable,
  params: { id: string; owner: string; dueAt: Date },
): Promise<void> {
  await q.query(
    `UPDATE broadcasts SET lease_owner = NULL, lease_expires_at = NULL, due_at = $3, updated_at = now()
      WHERE id = $1 AND lease_owner = $2`,
    [params.id, params.owner, params.dueAt.toISOString()],
  );
}

/**
 * Inside a chunk's transaction: locks the broadcast row if `owner` still holds it in `status`, renewing the
 * lease (and moving the send cursor when given). A cancel waits for the chunk in hand and stops the next.
 */
export async function holdBroadcastForChunk(
  q: Queryable,
  params: { id: string; owner: string; status: BroadcastStatus; leaseUntil: Date },
): Promise<ClaimedBroadcast | undefined> {
  const result = await q.query<BroadcastRow>(
    `UPDATE broadcasts SET lease_expires_at = $4 WHERE id = $1 AND lease_owner = $2 AND status = $3 RETURNING *`,
    [params.id, params.owner, params.status, params.leaseUntil.toISOString()],
  );
  const row = result.rows[0];
  return row ? toBroadcast(row) : undefined;
}

export async function setSendCursor(q: Queryable, id: string, cursor: string): Promise<void> {
  await q.query("UPDATE broadcasts SET send_cursor = $2 WHERE id = $1", [id, cursor]);
}
