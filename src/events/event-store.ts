import type { Queryable } from "../db/database.js";
import { EVENTS_CHANNEL, type EventSource, type NewEvent, type StoredEvent } from "./event-types.js";

export interface InsertEventsResult {
  /** Ids of the events written by this call, in input order (duplicates excluded). */
  insertedIds: number[];
  /** How many were already stored under the same messageId and were acknowledged without a second write. */
  duplicates: number;
}

/**
 * Appends events and queues them for routing, in the caller's transaction. One multi-row statement per call
 * (unnest over arrays), because single-row inserts top out far below the ingest target. A messageId seen before
 * is skipped; a messageId repeated inside one call keeps its first occurrence.
 */
export async function insertEvents(q: Queryable, events: readonly NewEvent[]): Promise<InsertEventsResult> {
  if (events.length === 0) return { insertedIds: [], duplicates: 0 };
  const seen = new Set<string>();
  const unique = events.filter((event) => {
    if (seen.has(event.messageId)) return false;
    seen.add(event.messageId);
    return true;
  });
  const result = await q.query<{ id: number }>(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::text[])
         WITH ORDINALITY AS t(message_id, event, user_id, user_email, properties, occurred_at, source, ord)
     ),
     inserted AS (
       INSERT INTO events (message_id, event, user_id, user_email, properties, occurred_at, source)
       SELECT message_id, event, user_id, user_email, properties, occurred_at, source FROM input ORDER BY ord
       ON CONFLICT (message_id) DO NOTHING
       RETURNING id, user_id
     ),
     queued AS (
       INSERT INTO event_routing_queue (event_id, partition)
       SELECT id, hogsend_partition(user_id) FROM inserted
     )
     SELECT id FROM inserted ORDER BY id`,
    [
      unique.map((e) => e.messageId),
      unique.map((e) => e.event),
      unique.map((e) => e.userId),
      unique.map((e) => e.userEmail ?? null),
      unique.map((e) => JSON.stringify(e.properties ?? {})),
      unique.map((e) => e.occurredAt.toISOString()),
      unique.map((e) => e.source ?? "api"),
    ],
  );
  const insertedIds = result.rows.map((row) => row.id);
  if (insertedIds.length > 0) await q.query(`SELECT pg_notify($1, '')`, [EVENTS_CHANNEL]);
  return { insertedIds, duplicates: events.length - insertedIds.length };
}

interface EventRow {
  id: number;
  message_id: string;
  event: string;
  user_id: string;
  user_email: string | null;
  properties: Record<string, unknown>;
  occurred_at: Date;
  received_at: Date;
  source: EventSource;
}

export const EVENT_COLUMNS =
  "id, message_id, event, user_id, user_email, properties, occurred_at, received_at, source";

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    messageId: row.message_id,
    event: row.event,
    userId: row.user_id,
    userEmail: row.user_email,
    properties: row.properties,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    source: row.source,
  };
}

export async function getEventsByIds(q: Queryable, ids: readonly number[]): Promise<StoredEvent[]> {
  if (ids.length === 0) return [];
  const result = await q.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE id = ANY($1::bigint[]) ORDER BY occurred_at, id`,
    [ids],
  );
  return result.rows.map(toStoredEvent);
}

/** Count of a user's events by name, optionally since a moment; backs `ctx.history.hasEvent`. */
export async function countUserEvents(
  q: Queryable,
  params: { userId: string; event: string; since?: Date | undefined },
): Promise<number> {
  const result = await q.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM events
      WHERE user_id = $1 AND event = $2 AND ($3::timestamptz IS NULL OR occurred_at >= $3)`,
    [params.userId, params.event, params.since?.toISOString() ?? null],
  );
  return result.rows[0]?.count ?? 0;
}
