import type { Database, Queryable } from "../db/database.js";
import { createKeysetCursor } from "../db/keyset-cursor.js";
import { EVENTS_CHANNEL, type EventSource, type NewEvent, type StoredEvent } from "./event-types.js";

export interface InsertEventsResult {
  /** Ids of the events written by this call, in input order (duplicates excluded). */
  insertedIds: number[];
  /** How many were already stored under the same messageId and were acknowledged without a second write. */
  duplicates: number;
  /** messageIds of the events written by this call, in the same order as insertedIds. */
  insertedMessageIds: string[];
}

export interface InsertEventsOptions {
  /**
   * Send NOTIFY on EVENTS_CHANNEL in the same statement (default true). The ingest path passes false and
   * coalesces notifications itself: every NOTIFY takes a cluster-wide lock at commit, which would serialise
   * thousands of single-event commits per second. Routers also poll, so a missed wake-up only delays.
   */
  notify?: boolean;
}

/**
 * Appends events and queues them for routing, in the caller's transaction (or as one atomic statement on a
 * pool). One multi-row statement per call (unnest over arrays), because single-row inserts top out far below the
 * ingest target. A messageId seen before is skipped; a messageId repeated inside one call keeps its first
 * occurrence. Dedupe goes through `event_message_ids`, locked in messageId order so that two concurrent batches
 * sharing ids cannot deadlock.
 */
export async function insertEvents(
  q: Queryable,
  events: readonly NewEvent[],
  options: InsertEventsOptions = {},
): Promise<InsertEventsResult> {
  if (events.length === 0) return { insertedIds: [], duplicates: 0, insertedMessageIds: [] };
  const unique = firstOfEachMessageId(events);
  const notify = options.notify ?? true;
  const result = await q.query<{ id: number; message_id: string }>(
    `${APPEND_CTES}
     SELECT id, message_id${notify ? `, CASE WHEN id = min(id) OVER () THEN pg_notify('${EVENTS_CHANNEL}', '') END AS n` : ""}
       FROM inserted ORDER BY id`,
    appendParams(unique),
  );
  const insertedIds = result.rows.map((row) => row.id);
  return {
    insertedIds,
    duplicates: events.length - insertedIds.length,
    insertedMessageIds: result.rows.map((row) => row.message_id),
  };
}

/**
 * The ingest hot path's variant of `insertEvents`: same writes, no NOTIFY, and instead of every new id it
 * returns only the messageIds that were already stored (usually none), so a 5,000-event statement sends back
 * nothing. In-call repeats of a messageId are dropped before the statement, as in insertEvents.
 */
export async function appendEvents(
  q: Queryable,
  events: readonly NewEvent[],
): Promise<{ alreadyStored: string[] }> {
  if (events.length === 0) return { alreadyStored: [] };
  const text = `${APPEND_CTES}
     SELECT i.message_id FROM input i
      WHERE i.dedupe AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.message_id = i.message_id)`;
  const values = appendParams(firstOfEachMessageId(events));
  // On a pool, a named statement is parsed and planned once per connection instead of once per request: that
  // halves Postgres' work for a single-event statement. Other queryables (transactions, fakes) run it unnamed.
  const result =
    "queryPrepared" in q
      ? await (q as Database).queryPrepared<{ message_id: string }>("hogsend_append_events", text, values)
      : await q.query<{ message_id: string }>(text, values);
  return { alreadyStored: result.rows.map((row) => row.message_id) };
}

function firstOfEachMessageId(events: readonly NewEvent[]): NewEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    if (seen.has(event.messageId)) return false;
    seen.add(event.messageId);
    return true;
  });
}

// Events whose messageId Hogsend assigned itself (`assignedId`) skip the dedupe table: nobody can retry with an id
// they never saw, and skipping the speculative insert saves about a fifth of the statement.
const APPEND_CTES = `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[],
                            $7::text[], $8::jsonb[], $9::boolean[])
         WITH ORDINALITY AS t(message_id, event, user_id, user_email, properties, occurred_at, source, extra, dedupe,
                              ord)
     ),
     fresh AS (
       INSERT INTO event_message_ids (message_id)
       SELECT message_id FROM input WHERE dedupe ORDER BY message_id
       ON CONFLICT (message_id) DO NOTHING
       RETURNING message_id
     ),
     inserted AS (
       INSERT INTO events (message_id, event, user_id, user_email, properties, occurred_at, source, extra)
       SELECT i.message_id, i.event, i.user_id, i.user_email, i.properties, i.occurred_at, i.source, i.extra
         FROM input i
        WHERE NOT i.dedupe OR EXISTS (SELECT 1 FROM fresh f WHERE f.message_id = i.message_id)
        ORDER BY i.ord
       RETURNING id, user_id, message_id
     ),
     queued AS (
       INSERT INTO event_routing_queue (event_id, partition)
       SELECT id, hogsend_partition(user_id) FROM inserted
     )`;

function appendParams(events: readonly NewEvent[]): unknown[] {
  return [
    events.map((e) => e.messageId),
    events.map((e) => e.event),
    events.map((e) => e.userId),
    events.map((e) => e.userEmail ?? null),
    events.map((e) => JSON.stringify(e.properties ?? {})),
    events.map((e) => e.occurredAt.toISOString()),
    events.map((e) => e.source ?? "api"),
    events.map((e) => (e.extra === undefined ? null : JSON.stringify(e.extra))),
    events.map((e) => e.assignedId !== true),
  ];
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

/**
 * Takes up to `limit` queued events of `partitions` off the routing queue (SKIP LOCKED, so partitions leased to
 * one router are never taken twice) and returns them in (occurred_at, id) order. Inside the routing transaction:
 * if it rolls back, the queue rows are back.
 */
export async function takeQueuedEvents(
  q: Queryable,
  partitions: readonly number[],
  limit: number,
): Promise<StoredEvent[]> {
  const result = await q.query<EventRow>(
    `WITH taken AS (
       DELETE FROM event_routing_queue WHERE event_id IN (
         SELECT event_id FROM event_routing_queue WHERE partition = ANY($1::smallint[])
          ORDER BY event_id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING event_id)
     SELECT ${EVENT_COLUMNS} FROM events WHERE id IN (SELECT event_id FROM taken) ORDER BY occurred_at, id`,
    [partitions, limit],
  );
  return result.rows.map(toStoredEvent);
}

export async function getEventsByIds(q: Queryable, ids: readonly number[]): Promise<StoredEvent[]> {
  if (ids.length === 0) return [];
  const result = await q.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE id = ANY($1::bigint[]) ORDER BY occurred_at, id`,
    [ids],
  );
  return result.rows.map(toStoredEvent);
}

/**
 * Count of a user's events by name, optionally since a moment; backs `ctx.history.hasEvent`. Events stored under
 * any of the user's aliases (user_aliases: anonymous ids merged by an identify) count as the user's.
 */
export async function countUserEvents(
  q: Queryable,
  params: { userId: string; event: string; since?: Date | undefined },
): Promise<number> {
  const result = await q.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM events
      WHERE (user_id = $1 OR user_id IN (SELECT alias FROM user_aliases WHERE user_id = $1))
        AND event = $2 AND ($3::timestamptz IS NULL OR occurred_at >= $3)`,
    [params.userId, params.event, params.since?.toISOString() ?? null],
  );
  return result.rows[0]?.count ?? 0;
}

const EVENT_CURSOR = createKeysetCursor("int");

export interface EventPage {
  events: Array<StoredEvent & { extra: Record<string, unknown> | null }>;
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Newest first, keyset-paginated on id so a page costs the same at any depth.
 */
export async function listEvents(
  q: Queryable,
  params: {
    userId?: string | undefined;
    event?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<EventPage> {
  const before = params.cursor === undefined ? null : EVENT_CURSOR.decode(params.cursor)[0];
  const result = await q.query<EventRow & { extra: Record<string, unknown> | null }>(
    `SELECT ${EVENT_COLUMNS}, extra FROM events
      WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR event = $2)
        AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [params.userId ?? null, params.event ?? null, before, params.limit + 1],
  );
  const rows = result.rows.slice(0, params.limit);
  const last = rows[rows.length - 1];
  return {
    events: rows.map((row) => ({ ...toStoredEvent(row), extra: row.extra })),
    nextCursor: result.rows.length > params.limit && last ? EVENT_CURSOR.encode(last.id) : null,
  };
}

/**
 * Retention: deletes events that occurred before `olderThan`, with their messageId dedupe rows, in batches so
 * no statement holds locks for long. Events still waiting in the routing queue are kept until routed. Returns
 * how many events were deleted. A retried event whose messageId was pruned is accepted again as new.
 */
export async function pruneEvents(
  db: Queryable,
  options: { olderThan: Date; batchSize?: number },
): Promise<number> {
  const batchSize = options.batchSize ?? 10_000;
  let total = 0;
  for (;;) {
    const result = await db.query<{ deleted: number }>(
      `WITH doomed AS (
         SELECT e.id, e.message_id FROM events e
          WHERE e.occurred_at < $1
            AND NOT EXISTS (SELECT 1 FROM event_routing_queue q WHERE q.event_id = e.id)
          LIMIT $2
       ),
       gone AS (DELETE FROM events e USING doomed d WHERE e.id = d.id RETURNING e.message_id),
       ids AS (DELETE FROM event_message_ids m USING gone g WHERE m.message_id = g.message_id)
       SELECT count(*)::int AS deleted FROM gone`,
      [options.olderThan.toISOString(), batchSize],
    );
    const deleted = result.rows[0]?.deleted ?? 0;
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/** A user's most recent events, newest first. */
export async function listUserEvents(q: Queryable, userId: string, limit: number): Promise<StoredEvent[]> {
  const result = await q.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE user_id = $1 ORDER BY id DESC LIMIT $2`,
    [userId, limit],
  );
  return result.rows.map(toStoredEvent);
}

/** Every address (lower-cased) the user's events carried. */
export async function userEmailsInEvents(q: Queryable, userId: string): Promise<string[]> {
  const result = await q.query<{ email: string }>(
    "SELECT DISTINCT lower(user_email) AS email FROM events WHERE user_id = $1 AND user_email IS NOT NULL",
    [userId],
  );
  return result.rows.map((row) => row.email);
}

/** Deletes a user's events with their routing-queue and dedupe rows (GDPR erase); returns how many events. */
export async function deleteUserEvents(q: Queryable, userId: string): Promise<number> {
  const result = await q.query<{ deleted: number }>(
    `WITH gone AS (DELETE FROM events WHERE user_id = $1 RETURNING id, message_id),
          queue AS (DELETE FROM event_routing_queue q USING gone g WHERE q.event_id = g.id),
          ids AS (DELETE FROM event_message_ids m USING gone g WHERE m.message_id = g.message_id)
     SELECT count(*)::int AS deleted FROM gone`,
    [userId],
  );
  return result.rows[0]?.deleted ?? 0;
}
