import type { Queryable } from "../db/database.js";
import type { OutboundEvent } from "./outbound-catalog.js";
import { OUTBOUND_CATALOG_VERSION } from "./outbound-catalog.js";

/**
 * The owner of `sync_destinations` and `sync_outbox` (migration 0076; the rows are written by the fact tables'
 * triggers there, in the facts' transactions).
 */

export interface Destination {
  id: string;
  kind: "posthog" | "webhook";
  url: string | null;
  secret: string | null;
  description: string | null;
  eventTypes: string[] | null;
  enabled: boolean;
  createdAt: Date;
}

interface DestinationRow {
  id: string;
  kind: "posthog" | "webhook";
  url: string | null;
  secret: string | null;
  description: string | null;
  event_types: string[] | null;
  enabled: boolean;
  created_at: Date;
}

const toDestination = (r: DestinationRow): Destination => ({
  id: r.id,
  kind: r.kind,
  url: r.url,
  secret: r.secret,
  description: r.description,
  eventTypes: r.event_types,
  enabled: r.enabled,
  createdAt: r.created_at,
});

/** Keeps the PostHog destination in step with POSTHOG_API_KEY: enabled when configured, disabled otherwise. */
export async function setPostHogDestination(q: Queryable, enabled: boolean): Promise<void> {
  await q.query(
    `INSERT INTO sync_destinations (id, kind, description, enabled) VALUES ('posthog', 'posthog', 'PostHog (POSTHOG_API_KEY)', $1)
     ON CONFLICT (id) DO UPDATE SET enabled = EXCLUDED.enabled`,
    [enabled],
  );
}

export async function createWebhookDestination(
  q: Queryable,
  endpoint: {
    id: string;
    url: string;
    secret: string;
    description: string | null;
    eventTypes: string[] | null;
  },
): Promise<Destination> {
  const result = await q.query<DestinationRow>(
    `INSERT INTO sync_destinations (id, kind, url, secret, description, event_types)
     VALUES ($1, 'webhook', $2, $3, $4, $5) RETURNING *`,
    [endpoint.id, endpoint.url, endpoint.secret, endpoint.description, endpoint.eventTypes],
  );
  return toDestination(result.rows[0] as DestinationRow);
}

export async function listDestinations(q: Queryable, kind?: "posthog" | "webhook"): Promise<Destination[]> {
  const result = await q.query<DestinationRow>(
    "SELECT * FROM sync_destinations WHERE ($1::text IS NULL OR kind = $1) ORDER BY created_at, id",
    [kind ?? null],
  );
  return result.rows.map(toDestination);
}

export async function getDestination(q: Queryable, id: string): Promise<Destination | undefined> {
  const result = await q.query<DestinationRow>("SELECT * FROM sync_destinations WHERE id = $1", [id]);
  const row = result.rows[0];
  return row ? toDestination(row) : undefined;
}

/** Removes a webhook endpoint with its pending and dead rows; false when there is none. */
export async function deleteWebhookDestination(q: Queryable, id: string): Promise<boolean> {
  const result = await q.query("DELETE FROM sync_destinations WHERE id = $1 AND kind = 'webhook'", [id]);
  return (result.rowCount ?? 0) > 0;
}

export interface OutboxRow {
  id: number;
  destinationId: string;
  attempts: number;
  event: OutboundEvent;
}

interface OutboxDbRow {
  id: string;
  destination_id: string;
  event_id: string;
  type: string;
  user_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
  attempts: number;
}

const toOutboxRow = (r: OutboxDbRow): OutboxRow => ({
  id: Number(r.id),
  destinationId: r.destination_id,
  attempts: r.attempts,
  event: {
    id: r.event_id,
    type: r.type,
    version: OUTBOUND_CATALOG_VERSION,
    occurredAt: r.occurred_at.toISOString(),
    userId: r.user_id,
    data: r.payload,
  },
});

/**
 * Claims up to `limit` due rows of one destination (SKIP LOCKED), leasing them until `leaseUntil` by moving their
 * next attempt there: a worker killed mid-send leaves them to be claimed again once the lease passes
 * (at-least-once; the fact's id lets the receiver dedupe).
 */
/** Rows waiting (pending) and given up on (dead), across destinations: the sync outbox depth gauge. */
export async function syncOutboxStats(q: Queryable): Promise<{ pending: number; dead: number }> {
  const result = await q.query<{ pending: number; dead: number }>(
    `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE status = 'dead')::int AS dead
       FROM sync_outbox`,
  );
  return result.rows[0] ?? { pending: 0, dead: 0 };
}

export async function claimOutbox(
  q: Queryable,
  destinationId: string,
  params: { now: Date; leaseUntil: Date; limit: number },
): Promise<OutboxRow[]> {
  const result = await q.query<OutboxDbRow>(
    `UPDATE sync_outbox o SET attempts = o.attempts + 1, next_attempt_at = $3
      WHERE o.id IN (SELECT id FROM sync_outbox
                      WHERE destination_id = $1 AND status = 'pending' AND next_attempt_at <= $2
                      ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.destination_id, o.event_id, o.type, o.user_id, o.payload, o.occurred_at, o.attempts`,
    [destinationId, params.now.toISOString(), params.leaseUntil.toISOString(), params.limit],
  );
  return result.rows.map(toOutboxRow).sort((a, b) => a.id - b.id);
}

/** Rows the destination accepted: gone from the outbox. */
export async function markDelivered(q: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query("DELETE FROM sync_outbox WHERE id = ANY($1::bigint[])", [ids]);
}

/** Failed rows: retried at `retryAt`, or dead once they reached `maxAttempts`. */
export async function markFailed(
  q: Queryable,
  rows: ReadonlyArray<{ id: number; attempts: number; retryAt: Date }>,
  error: string,
  maxAttempts: number,
): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `UPDATE sync_outbox o SET last_error = $4, next_attempt_at = t.retry_at,
            status = CASE WHEN t.attempts >= $5 THEN 'dead' ELSE 'pending' END
       FROM unnest($1::bigint[], $2::int[], $3::timestamptz[]) AS t(id, attempts, retry_at)
      WHERE o.id = t.id`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.attempts),
      rows.map((r) => r.retryAt.toISOString()),
      error.slice(0, 2000),
      maxAttempts,
    ],
  );
}

export interface DeadLetter {
  id: number;
  destinationId: string;
  eventId: string;
  type: string;
  userId: string | null;
  attempts: number;
  lastError: string | null;
  occurredAt: Date;
}

export async function listDeadLetters(
  q: Queryable,
  params: { destinationId?: string | undefined; limit: number },
): Promise<DeadLetter[]> {
  const result = await q.query<{
    id: string;
    destination_id: string;
    event_id: string;
    type: string;
    user_id: string | null;
    attempts: number;
    last_error: string | null;
    occurred_at: Date;
  }>(
    `SELECT id, destination_id, event_id, type, user_id, attempts, last_error, occurred_at FROM sync_outbox
      WHERE status = 'dead' AND ($1::text IS NULL OR destination_id = $1) ORDER BY id DESC LIMIT $2`,
    [params.destinationId ?? null, params.limit],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    destinationId: r.destination_id,
    eventId: r.event_id,
    type: r.type,
    userId: r.user_id,
    attempts: r.attempts,
    lastError: r.last_error,
    occurredAt: r.occurred_at,
  }));
}

/** Puts a dead letter back (attempts reset) to be sent at once; false when there is no such dead letter. */
export async function requeueDeadLetter(q: Queryable, id: number, now: Date): Promise<boolean> {
  const result = await q.query(
    `UPDATE sync_outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL
      WHERE id = $1 AND status = 'dead'`,
    [id, now.toISOString()],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Destinations with rows due now (the loop's work list). */
export async function destinationsWithDueRows(q: Queryable, now: Date): Promise<string[]> {
  const result = await q.query<{ id: string }>(
    `SELECT d.id FROM sync_destinations d
      WHERE d.enabled AND EXISTS (SELECT 1 FROM sync_outbox o WHERE o.destination_id = d.id AND o.status = 'pending'
                                    AND o.next_attempt_at <= $1)`,
    [now.toISOString()],
  );
  return result.rows.map((r) => r.id);
}
