import type { Queryable } from "../db/database.js";
import type { StoredEvent } from "../events/event-types.js";
import { RUNS_CHANNEL } from "./journey-store.js";
import type { PropertyCondition } from "./journey-types.js";

/**
 * The router's statements over the journey tables (journey_runs, journey_journal, journey_once_entries,
 * journey_skip_counts): everything routing reads and writes, in sets, inside the routing transaction.
 */

export interface LiveRun {
  id: string;
  journeyId: string;
  userId: string;
  status: "active" | "waiting";
  waitEvent: string | null;
  waitWhere: PropertyCondition[] | null;
  waitPosition: number | null;
  /** When the run entered: a goal counts within `goal.within` of it. */
  createdAt: Date;
  isNew: boolean;
}

export interface NewRun {
  id: string;
  journeyId: string;
  userId: string;
  userEmail: string | null;
  properties: Record<string, unknown>;
  triggerEventId: number;
  exitEventId: number | null;
  once: boolean;
  /** In the journey's control group (meta.holdout): inserted as `held_out`, never due, never executed. */
  heldOut: boolean;
}

/** `${journeyId}\u0000${userId}`: one key per (journey, user) pair. */
export const pairKey = (journeyId: string, userId: string) => `${journeyId}\u0000${userId}`;

export interface UserJourneyState {
  /** Live runs by user, then journey. Locked (FOR UPDATE) in id order, the order every writer takes. */
  live: Map<string, Map<string, LiveRun>>;
  /** pairKey of every (journey, user) that entered a `once` journey. */
  once: Set<string>;
  /** When each (journey, user) last entered, for once_per_period. */
  lastEntry: Map<string, Date>;
}

export async function loadUserJourneyState(
  q: Queryable,
  userIds: readonly string[],
  journeyIds: readonly string[],
): Promise<UserJourneyState> {
  const state: UserJourneyState = { live: new Map(), once: new Set(), lastEntry: new Map() };
  // Sequential: one client runs one query at a time.
  const live = await q.query<{
    id: string;
    journey_id: string;
    user_id: string;
    status: "active" | "waiting";
    wait_event: string | null;
    wait_where: PropertyCondition[] | null;
    wait_position: number | null;
    created_at: Date;
  }>(
    `SELECT id, journey_id, user_id, status, wait_event, wait_where, wait_position, created_at FROM journey_runs
      WHERE user_id = ANY($1::text[]) AND status IN ('active', 'waiting') ORDER BY id FOR UPDATE`,
    [userIds],
  );
  const once = await q.query<{ journey_id: string; user_id: string }>(
    "SELECT journey_id, user_id FROM journey_once_entries WHERE user_id = ANY($1::text[])",
    [userIds],
  );
  const last = await q.query<{ journey_id: string; user_id: string; last: Date }>(
    `SELECT journey_id, user_id, max(created_at) AS last FROM journey_runs
      WHERE user_id = ANY($1::text[]) AND journey_id = ANY($2::text[]) GROUP BY journey_id, user_id`,
    [userIds, journeyIds],
  );
  for (const row of live.rows) {
    const byJourney = state.live.get(row.user_id) ?? new Map<string, LiveRun>();
    byJourney.set(row.journey_id, {
      id: row.id,
      journeyId: row.journey_id,
      userId: row.user_id,
      status: row.status,
      waitEvent: row.wait_event,
      waitWhere: row.wait_where,
      waitPosition: row.wait_position,
      createdAt: row.created_at,
      isNew: false,
    });
    state.live.set(row.user_id, byJourney);
  }
  for (const row of once.rows) state.once.add(pairKey(row.journey_id, row.user_id));
  for (const row of last.rows) state.lastEntry.set(pairKey(row.journey_id, row.user_id), row.last);
  return state;
}

/**
 * Makes waiting runs due now and writes the event each was waiting for into its journal entry. (An external engine
 * parked on its own sleep is told by `engine_wakes_at = NULL` that this run must now be woken.)
 */
export async function resumeWaitingRuns(
  q: Queryable,
  resumes: ReadonlyArray<{ run: LiveRun; event: StoredEvent }>,
  at: Date,
): Promise<number> {
  const due = resumes.filter((r) => r.run.waitPosition !== null);
  if (due.length === 0) return 0;
  const ids = due.map((r) => r.run.id);
  const records = due.map(({ event }) =>
    JSON.stringify({
      id: event.id,
      event: event.event,
      userId: event.userId,
      properties: event.properties,
      occurredAt: event.occurredAt.toISOString(),
    }),
  );
  const resumed = await q.query(
    `WITH runs AS (
       UPDATE journey_runs r SET status = 'active', due_at = $2, wait_event = NULL, wait_where = NULL,
              wait_position = NULL, engine_wakes_at = NULL, updated_at = $2
        WHERE r.id = ANY($1::uuid[]) AND r.status = 'waiting'
        RETURNING r.id)
     UPDATE journey_journal j
        SET result = jsonb_set(j.result, '{status}', '"received"') || jsonb_build_object('event', t.event)
       FROM unnest($1::uuid[], $3::jsonb[], $4::int[]) AS t(id, event, position)
      WHERE t.id IN (SELECT id FROM runs) AND j.run_id = t.id AND j.position = t.position`,
    [ids, at.toISOString(), records, due.map((r) => r.run.waitPosition)],
  );
  return resumed.rowCount ?? 0;
}

/**
 * Claims `once` entries; returns the pairKeys this transaction won. The constraint, not the read in
 * loadUserJourneyState, is what makes "once" hold across parallel routers.
 */
export async function claimOnceEntries(
  q: Queryable,
  runs: readonly NewRun[],
  at: Date,
): Promise<Set<string>> {
  if (runs.length === 0) return new Set();
  const claimed = await q.query<{ journey_id: string; user_id: string }>(
    `INSERT INTO journey_once_entries (journey_id, user_id, entered_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
     ON CONFLICT DO NOTHING RETURNING journey_id, user_id`,
    [runs.map((r) => r.journeyId), runs.map((r) => r.userId), runs.map(() => at.toISOString())],
  );
  return new Set(claimed.rows.map((row) => pairKey(row.journey_id, row.user_id)));
}

/**
 * Inserts new runs (due now; already exited when their exit event came in the same batch; or held out, which is
 * terminal at once); returns the ids created. The partial unique index on live runs turns a concurrent duplicate into "not created".
 */
export async function insertNewRuns(q: Queryable, runs: readonly NewRun[], at: Date): Promise<Set<string>> {
  if (runs.length === 0) return new Set();
  const inserted = await q.query<{ id: string }>(
    `INSERT INTO journey_runs (id, journey_id, user_id, user_email, properties, trigger_event_id, status,
                               due_at, exit_event_id, completed_at, created_at, updated_at)
     SELECT t.id, t.journey_id, t.user_id, t.user_email, t.properties, t.trigger_event_id,
            CASE WHEN t.held_out THEN 'held_out' WHEN t.exit_event_id IS NULL THEN 'active' ELSE 'exited' END,
            CASE WHEN t.exit_event_id IS NULL AND NOT t.held_out THEN $8::timestamptz END,
            t.exit_event_id,
            CASE WHEN t.exit_event_id IS NULL AND NOT t.held_out THEN NULL ELSE $8::timestamptz END,
            $8, $8
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bigint[], $7::bigint[],
                   $9::bool[])
         AS t(id, journey_id, user_id, user_email, properties, trigger_event_id, exit_event_id, held_out)
     ON CONFLICT (journey_id, user_id) WHERE status IN ('active', 'waiting') DO NOTHING
     RETURNING id`,
    [
      runs.map((r) => r.id),
      runs.map((r) => r.journeyId),
      runs.map((r) => r.userId),
      runs.map((r) => r.userEmail),
      runs.map((r) => JSON.stringify(r.properties)),
      runs.map((r) => r.triggerEventId),
      runs.map((r) => r.exitEventId),
      at.toISOString(),
      runs.map((r) => r.heldOut),
    ],
  );
  return new Set(inserted.rows.map((row) => row.id));
}

/** Adds skipped enrollments to the per-journey, per-reason counters. */
export async function addSkipCounts(
  q: Queryable,
  counts: ReadonlyArray<{ journeyId: string; reason: string; count: number }>,
): Promise<void> {
  if (counts.length === 0) return;
  await q.query(
    `INSERT INTO journey_skip_counts AS s (journey_id, reason, count)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
     ON CONFLICT (journey_id, reason) DO UPDATE SET count = s.count + EXCLUDED.count`,
    [counts.map((c) => c.journeyId), counts.map((c) => c.reason), counts.map((c) => c.count)],
  );
}

/** Wakes the executors once the transaction commits (NOTIFY is delivered on commit). */
export async function notifyRunsDue(q: Queryable): Promise<void> {
  await q.query("SELECT pg_notify($1, '')", [RUNS_CHANNEL]);
}
