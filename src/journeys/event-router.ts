import { randomUUID } from "node:crypto";
import type pg from "pg";
import { upsertContactsFromEvents } from "../contacts/contact-store.js";
import type { Database } from "../db/database.js";
import { EVENT_COLUMNS, toStoredEvent } from "../events/event-store.js";
import type { StoredEvent } from "../events/event-types.js";
import type { Clock } from "../lib/clock.js";
import { durationToMs } from "../lib/duration.js";
import type { JourneyRegistry } from "./journey-registry.js";
import { RUNS_CHANNEL } from "./journey-store.js";
import type { DefinedJourney, PropertyCondition } from "./journey-types.js";
import { matchesConditions } from "./property-conditions.js";

export type SkipReason =
  | "journey_disabled"
  | "trigger_conditions_not_met"
  | "already_entered_once"
  | "period_not_elapsed"
  | "user_unsubscribed"
  | "already_active";

export interface RouterDeps {
  db: Database;
  clock: Clock;
  registry: JourneyRegistry;
}

export interface RouteResult {
  events: number;
  enrolled: number;
  exited: number;
  resumed: number;
  skipped: number;
}

interface LiveRun {
  id: string;
  journeyId: string;
  userId: string;
  status: "active" | "waiting";
  waitEvent: string | null;
  waitWhere: PropertyCondition[] | null;
  waitPosition: number | null;
  isNew: boolean;
}

interface NewRun {
  id: string;
  journeyId: string;
  userId: string;
  userEmail: string | null;
  properties: Record<string, unknown>;
  triggerEventId: number;
  exitEventId: number | null;
  once: boolean;
}

/**
 * Routes one batch of queued events from `partitions`, in one transaction: upserts contacts, then applies each
 * event in per-user order to exits, waits and enrollments. A crash rolls the whole batch back and the queue rows
 * return, so an accepted event is routed exactly once.
 */
export async function routeBatch(
  deps: RouterDeps,
  partitions: readonly number[],
  limit: number,
): Promise<RouteResult> {
  const empty: RouteResult = { events: 0, enrolled: 0, exited: 0, resumed: 0, skipped: 0 };
  if (partitions.length === 0) return empty;
  return deps.db.transaction(async (tx) => {
    const taken = await tx.query<Parameters<typeof toStoredEvent>[0]>(
      `WITH taken AS (
         DELETE FROM event_routing_queue WHERE event_id IN (
           SELECT event_id FROM event_routing_queue WHERE partition = ANY($1::smallint[])
            ORDER BY event_id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING event_id)
       SELECT ${EVENT_COLUMNS} FROM events WHERE id IN (SELECT event_id FROM taken) ORDER BY occurred_at, id`,
      [partitions, limit],
    );
    if (taken.rows.length === 0) return empty;
    const events = taken.rows.map(toStoredEvent);
    await upsertContactsFromEvents(tx, events);
    return applyEvents(deps, tx, events);
  });
}

async function applyEvents(deps: RouterDeps, tx: pg.PoolClient, events: StoredEvent[]): Promise<RouteResult> {
  const now = deps.clock.now();
  const { registry } = deps;
  const users = [...new Set(events.map((e) => e.userId))];
  const state = await loadUserState(tx, users, registry);
  const exits = new Map<string, number>();
  const resumes: Array<{ run: LiveRun; event: StoredEvent }> = [];
  const newRuns: NewRun[] = [];
  const skips = new Map<string, number>();
  const skip = (journeyId: string, reason: SkipReason) => {
    const key = `${journeyId}\u0000${reason}`;
    skips.set(key, (skips.get(key) ?? 0) + 1);
  };

  for (const event of events) {
    const contact = state.contacts.get(event.userId);
    const sources = { context: event.properties, contact: contact?.properties ?? {} };
    const live = state.live.get(event.userId) ?? new Map<string, LiveRun>();
    state.live.set(event.userId, live);

    // 1. Exits: end the user's live runs of every journey with a matching exitOn rule.
    for (const journey of registry.exitedBy(event.event)) {
      const run = live.get(journey.meta.id);
      if (!run) continue;
      const rules = (journey.meta.exitOn ?? []).filter((rule) => rule.event === event.event);
      if (!rules.some((rule) => matchesConditions(rule.where, sources))) continue;
      live.delete(journey.meta.id);
      if (run.isNew) {
        const created = newRuns.find((r) => r.id === run.id);
        if (created) created.exitEventId = event.id;
      } else {
        exits.set(run.id, event.id);
      }
    }

    // 2. Waits: resume the user's runs waiting for this event.
    for (const run of live.values()) {
      if (run.status !== "waiting" || run.waitEvent !== event.event) continue;
      if (!matchesConditions(run.waitWhere ?? undefined, sources)) continue;
      run.status = "active";
      run.waitEvent = null;
      resumes.push({ run, event });
    }

    // 3. Enrollment, through the guards in the documented order.
    for (const journey of registry.triggeredBy(event.event)) {
      const reason = enrollmentBlocker(journey, event, sources, state, live, now);
      if (reason) {
        skip(journey.meta.id, reason);
        continue;
      }
      const id = randomUUID();
      const once = journey.meta.entryLimit === "once";
      newRuns.push({
        id,
        journeyId: journey.meta.id,
        userId: event.userId,
        userEmail: event.userEmail ?? contact?.email ?? null,
        properties: event.properties,
        triggerEventId: event.id,
        exitEventId: null,
        once,
      });
      live.set(journey.meta.id, {
        id,
        journeyId: journey.meta.id,
        userId: event.userId,
        status: "active",
        waitEvent: null,
        waitWhere: null,
        waitPosition: null,
        isNew: true,
      });
      if (once) state.once.add(`${journey.meta.id}\u0000${event.userId}`);
      state.lastEntry.set(`${journey.meta.id}\u0000${event.userId}`, now);
    }
  }

  const result = await writeRouting(tx, now, { exits, resumes, newRuns, skips });
  result.events = events.length;
  return result;
}

function enrollmentBlocker(
  journey: DefinedJourney,
  event: StoredEvent,
  sources: { context: Record<string, unknown>; contact: Record<string, unknown> },
  state: UserState,
  live: Map<string, LiveRun>,
  now: Date,
): SkipReason | undefined {
  const { meta } = journey;
  if (!meta.enabled) return "journey_disabled";
  if (!matchesConditions(meta.trigger.where, sources)) return "trigger_conditions_not_met";
  const key = `${meta.id}\u0000${event.userId}`;
  if (meta.entryLimit === "once" && state.once.has(key)) return "already_entered_once";
  if (meta.entryLimit === "once_per_period" && meta.entryPeriod) {
    const last = state.lastEntry.get(key);
    if (last && now.getTime() - last.getTime() < durationToMs(meta.entryPeriod)) return "period_not_elapsed";
  }
  if (state.contacts.get(event.userId)?.unsubscribed) return "user_unsubscribed";
  if (live.has(meta.id)) return "already_active";
  return undefined;
}

interface UserState {
  contacts: Map<string, { email: string | null; properties: Record<string, unknown>; unsubscribed: boolean }>;
  live: Map<string, Map<string, LiveRun>>;
  once: Set<string>;
  lastEntry: Map<string, Date>;
}

async function loadUserState(
  tx: pg.PoolClient,
  users: string[],
  registry: JourneyRegistry,
): Promise<UserState> {
  const state: UserState = { contacts: new Map(), live: new Map(), once: new Set(), lastEntry: new Map() };
  const journeyIds = registry.journeys.map((j) => j.meta.id);
  // Sequential: one client runs one query at a time.
  const contacts = await tx.query<{
    user_id: string;
    email: string | null;
    properties: Record<string, unknown>;
    unsub: boolean;
  }>(
    `SELECT user_id, email, properties, unsubscribed_at IS NOT NULL AS unsub FROM contacts
      WHERE user_id = ANY($1::text[])`,
    [users],
  );
  const live = await tx.query<{
    id: string;
    journey_id: string;
    user_id: string;
    status: "active" | "waiting";
    wait_event: string | null;
    wait_where: PropertyCondition[] | null;
    wait_position: number | null;
  }>(
    `SELECT id, journey_id, user_id, status, wait_event, wait_where, wait_position FROM journey_runs
      WHERE user_id = ANY($1::text[]) AND status IN ('active', 'waiting') ORDER BY id FOR UPDATE`,
    [users],
  );
  const once = await tx.query<{ journey_id: string; user_id: string }>(
    "SELECT journey_id, user_id FROM journey_once_entries WHERE user_id = ANY($1::text[])",
    [users],
  );
  const last = await tx.query<{ journey_id: string; user_id: string; last: Date }>(
    `SELECT journey_id, user_id, max(created_at) AS last FROM journey_runs
      WHERE user_id = ANY($1::text[]) AND journey_id = ANY($2::text[]) GROUP BY journey_id, user_id`,
    [users, journeyIds],
  );
  for (const row of contacts.rows) {
    state.contacts.set(row.user_id, {
      email: row.email,
      properties: row.properties,
      unsubscribed: row.unsub,
    });
  }
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
      isNew: false,
    });
    state.live.set(row.user_id, byJourney);
  }
  for (const row of once.rows) state.once.add(`${row.journey_id}\u0000${row.user_id}`);
  for (const row of last.rows) state.lastEntry.set(`${row.journey_id}\u0000${row.user_id}`, row.last);
  return state;
}

async function writeRouting(
  tx: pg.PoolClient,
  now: Date,
  work: {
    exits: Map<string, number>;
    resumes: Array<{ run: LiveRun; event: StoredEvent }>;
    newRuns: NewRun[];
    skips: Map<string, number>;
  },
): Promise<RouteResult> {
  const at = now.toISOString();
  const result: RouteResult = { events: 0, enrolled: 0, exited: 0, resumed: 0, skipped: 0 };
  if (work.exits.size > 0) {
    const exited = await tx.query(
      `UPDATE journey_runs r SET status = 'exited', exit_event_id = t.event_id, due_at = NULL,
              lease_owner = NULL, lease_expires_at = NULL, wait_event = NULL, wait_where = NULL,
              wait_position = NULL, completed_at = $3, updated_at = $3
         FROM unnest($1::uuid[], $2::bigint[]) AS t(id, event_id)
        WHERE r.id = t.id AND r.status IN ('active', 'waiting')`,
      [[...work.exits.keys()], [...work.exits.values()], at],
    );
    result.exited = exited.rowCount ?? 0;
  }
  if (work.resumes.length > 0) {
    const resumes = work.resumes.filter((r) => r.run.waitPosition !== null);
    const ids = resumes.map((r) => r.run.id);
    const records = resumes.map(({ event }) =>
      JSON.stringify({
        id: event.id,
        event: event.event,
        userId: event.userId,
        properties: event.properties,
        occurredAt: event.occurredAt.toISOString(),
      }),
    );
    const resumed = await tx.query(
      `WITH runs AS (
         UPDATE journey_runs r SET status = 'active', due_at = $2, wait_event = NULL, wait_where = NULL,
                wait_position = NULL, updated_at = $2
          WHERE r.id = ANY($1::uuid[]) AND r.status = 'waiting'
          RETURNING r.id)
       UPDATE journey_journal j
          SET result = jsonb_set(j.result, '{status}', '"received"') || jsonb_build_object('event', t.event)
         FROM unnest($1::uuid[], $3::jsonb[], $4::int[]) AS t(id, event, position)
        WHERE t.id IN (SELECT id FROM runs) AND j.run_id = t.id AND j.position = t.position`,
      [ids, at, records, resumes.map((r) => r.run.waitPosition)],
    );
    result.resumed = resumed.rowCount ?? 0;
  }
  if (work.newRuns.length > 0) {
    let runs = work.newRuns;
    const onceRuns = runs.filter((r) => r.once);
    if (onceRuns.length > 0) {
      // The constraint, not the read above, is what makes "once" hold across parallel routers.
      const claimed = await tx.query<{ journey_id: string; user_id: string }>(
        `INSERT INTO journey_once_entries (journey_id, user_id, entered_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
         ON CONFLICT DO NOTHING RETURNING journey_id, user_id`,
        [onceRuns.map((r) => r.journeyId), onceRuns.map((r) => r.userId), onceRuns.map(() => at)],
      );
      const won = new Set(claimed.rows.map((row) => `${row.journey_id}\u0000${row.user_id}`));
      runs = runs.filter((r) => {
        if (!r.once || won.has(`${r.journeyId}\u0000${r.userId}`)) return true;
        bump(work.skips, r.journeyId, "already_entered_once");
        return false;
      });
    }
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO journey_runs (id, journey_id, user_id, user_email, properties, trigger_event_id, status,
                                 due_at, exit_event_id, completed_at, created_at, updated_at)
       SELECT t.id, t.journey_id, t.user_id, t.user_email, t.properties, t.trigger_event_id,
              CASE WHEN t.exit_event_id IS NULL THEN 'active' ELSE 'exited' END,
              CASE WHEN t.exit_event_id IS NULL THEN $8::timestamptz END,
              t.exit_event_id,
              CASE WHEN t.exit_event_id IS NULL THEN NULL ELSE $8::timestamptz END,
              $8, $8
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bigint[], $7::bigint[])
           AS t(id, journey_id, user_id, user_email, properties, trigger_event_id, exit_event_id)
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
        at,
      ],
    );
    const created = new Set(inserted.rows.map((row) => row.id));
    for (const run of runs) if (!created.has(run.id)) bump(work.skips, run.journeyId, "already_active");
    result.enrolled = created.size;
  }
  if (work.skips.size > 0) {
    const entries = [...work.skips.entries()].map(([key, count]) => [...key.split("\u0000"), count] as const);
    await tx.query(
      `INSERT INTO journey_skip_counts AS s (journey_id, reason, count)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
       ON CONFLICT (journey_id, reason) DO UPDATE SET count = s.count + EXCLUDED.count`,
      [entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => e[2])],
    );
    result.skipped = entries.reduce((sum, e) => sum + Number(e[2]), 0);
  }
  if (result.enrolled > 0 || result.resumed > 0) await tx.query(`SELECT pg_notify($1, '')`, [RUNS_CHANNEL]);
  return result;
}

function bump(skips: Map<string, number>, journeyId: string, reason: SkipReason): void {
  const key = `${journeyId}\u0000${reason}`;
  skips.set(key, (skips.get(key) ?? 0) + 1);
}
