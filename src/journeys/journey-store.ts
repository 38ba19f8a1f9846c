import type { Queryable } from "../db/database.js";
import type { PropertyCondition } from "./journey-types.js";

/** The run channel: notified when a run becomes due now, so idle executors claim it at once. */
export const RUNS_CHANNEL = "hogsend_runs";

export type RunStatus = "active" | "waiting" | "completed" | "failed" | "exited" | "cancelled";

export interface RunRecord {
  id: string;
  journeyId: string;
  userId: string;
  userEmail: string | null;
  properties: Record<string, string | number | boolean | null>;
  triggerEventId: number | null;
  status: RunStatus;
  currentNodeId: string | null;
  dueAt: Date | null;
  waitEvent: string | null;
  waitWhere: PropertyCondition[] | null;
  waitPosition: number | null;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  error: string | null;
  exitEventId: number | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

export interface JournalEntry {
  position: number;
  kind: string;
  label: string;
  result: unknown;
}

export const RUN_COLUMNS = `id, journey_id, user_id, user_email, properties, trigger_event_id, status, current_node_id,
  due_at, wait_event, wait_where, wait_position, attempts, lease_owner, lease_expires_at, error, exit_event_id,
  created_at, updated_at, completed_at`;

export interface RunRow {
  id: string;
  journey_id: string;
  user_id: string;
  user_email: string | null;
  properties: Record<string, string | number | boolean | null>;
  trigger_event_id: number | null;
  status: RunStatus;
  current_node_id: string | null;
  due_at: Date | null;
  wait_event: string | null;
  wait_where: PropertyCondition[] | null;
  wait_position: number | null;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  error: string | null;
  exit_event_id: number | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    journeyId: row.journey_id,
    userId: row.user_id,
    userEmail: row.user_email,
    properties: row.properties,
    triggerEventId: row.trigger_event_id,
    status: row.status,
    currentNodeId: row.current_node_id,
    dueAt: row.due_at,
    waitEvent: row.wait_event,
    waitWhere: row.wait_where,
    waitPosition: row.wait_position,
    attempts: row.attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    error: row.error,
    exitEventId: row.exit_event_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/**
 * Claims up to `limit` due runs of the given journeys for `owner`, in due order. A run whose lease has expired
 * (its worker died) is due again and is taken over here. SKIP LOCKED lets many workers claim side by side.
 */
export async function claimDueRuns(
  q: Queryable,
  params: { owner: string; now: Date; leaseMs: number; limit: number; journeyIds: readonly string[] },
): Promise<RunRecord[]> {
  if (params.limit <= 0 || params.journeyIds.length === 0) return [];
  const now = params.now.toISOString();
  const result = await q.query<RunRow>(
    `UPDATE journey_runs r
        SET status = 'active', lease_owner = $1, lease_expires_at = $3, updated_at = $2
       FROM (SELECT id FROM journey_runs
              WHERE status IN ('active', 'waiting') AND due_at <= $2
                AND (lease_expires_at IS NULL OR lease_expires_at < $2)
                AND journey_id = ANY($5::text[])
              ORDER BY due_at
              LIMIT $4
              FOR UPDATE SKIP LOCKED) due
      WHERE r.id = due.id
      RETURNING r.*`,
    [
      params.owner,
      now,
      new Date(params.now.getTime() + params.leaseMs).toISOString(),
      params.limit,
      params.journeyIds,
    ],
  );
  return result.rows.map(toRunRecord);
}

/**
 * Ends live runs as `exited` (by an exitOn event, whose id is kept) or `cancelled` (by an admin): the one place a
 * run is ended from outside its execution. Runs that already ended are left as they are; returns those ended here.
 * A stale execution of such a run finds its fence gone and writes nothing more.
 */
export async function endRuns(
  q: Queryable,
  status: "exited" | "cancelled",
  runs: ReadonlyArray<{ id: string; exitEventId?: number | null }>,
  at: Date,
): Promise<RunRecord[]> {
  if (runs.length === 0) return [];
  const result = await q.query<RunRow>(
    `UPDATE journey_runs r SET status = $3, exit_event_id = COALESCE(t.event_id, r.exit_event_id), due_at = NULL,
            lease_owner = NULL, lease_expires_at = NULL, wait_event = NULL, wait_where = NULL,
            wait_position = NULL, completed_at = $4, updated_at = $4
       FROM unnest($1::uuid[], $2::bigint[]) AS t(id, event_id)
      WHERE r.id = t.id AND r.status IN ('active', 'waiting')
      RETURNING r.*`,
    [runs.map((r) => r.id), runs.map((r) => r.exitEventId ?? null), status, at.toISOString()],
  );
  return result.rows.map(toRunRecord);
}

/** The earliest due time among runs nobody holds, to know how long an idle executor may sleep. */
export async function nextDueAt(
  q: Queryable,
  now: Date,
  journeyIds: readonly string[],
): Promise<Date | null> {
  const result = await q.query<{ due_at: Date | null }>(
    `SELECT due_at FROM journey_runs
      WHERE status IN ('active', 'waiting') AND due_at IS NOT NULL
        AND (lease_expires_at IS NULL OR lease_expires_at < $1) AND journey_id = ANY($2::text[])
      ORDER BY due_at LIMIT 1`,
    [now.toISOString(), journeyIds],
  );
  return result.rows[0]?.due_at ?? null;
}

export async function renewRunLeases(
  q: Queryable,
  params: { ids: readonly string[]; owner: string; now: Date; leaseMs: number },
): Promise<void> {
  if (params.ids.length === 0) return;
  await q.query(
    // SKIP LOCKED: a row locked right now is being committed (which settles its lease anyway), and waiting for
    // it could deadlock against a group commit.
    `UPDATE journey_runs SET lease_expires_at = $3
      WHERE id IN (SELECT id FROM journey_runs WHERE id = ANY($1::uuid[]) AND lease_owner = $2
                    ORDER BY id FOR UPDATE SKIP LOCKED)`,
    [params.ids, params.owner, new Date(params.now.getTime() + params.leaseMs).toISOString()],
  );
}

/** Lets go of runs this worker holds but will not execute (shutdown): they are due again at once. */
export async function releaseRunLeases(q: Queryable, ids: readonly string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `UPDATE journey_runs SET lease_owner = NULL, lease_expires_at = NULL
      WHERE id = ANY($1::uuid[]) AND lease_owner = $2`,
    [ids, owner],
  );
}

export async function loadJournals(
  q: Queryable,
  runIds: readonly string[],
): Promise<Map<string, Map<number, JournalEntry>>> {
  const journals = new Map<string, Map<number, JournalEntry>>();
  for (const id of runIds) journals.set(id, new Map());
  if (runIds.length === 0) return journals;
  const result = await q.query<{
    run_id: string;
    position: number;
    kind: string;
    label: string;
    result: unknown;
  }>("SELECT run_id, position, kind, label, result FROM journey_journal WHERE run_id = ANY($1::uuid[])", [
    runIds,
  ]);
  for (const row of result.rows) {
    journals.get(row.run_id)?.set(row.position, {
      position: row.position,
      kind: row.kind,
      label: row.label,
      result: row.result,
    });
  }
  return journals;
}

/** One fenced commit of one run: journal entries to upsert and how the run moves. */
export interface RunCommit {
  runId: string;
  owner: string;
  now: Date;
  entries: readonly JournalEntry[];
  currentNodeId: string | undefined;
  transition: RunTransition;
}

/** How a fenced commit moves the run. */
export type RunTransition =
  | { type: "progress" }
  | { type: "sleep"; wakeAt: Date }
  | { type: "wait"; timeoutAt: Date; event: string; where: PropertyCondition[] | null; position: number }
  | { type: "complete" }
  | { type: "retry"; retryAt: Date; error: string }
  | { type: "fail"; error: string };

/**
 * The fence: in one statement, locks the run, checks it is still `active` and held by `owner` (not exited, not
 * cancelled, lease not taken over), applies the transition and upserts the journal entries. Returns false when
 * the fence fails; then nothing was written and the caller must stop executing the run.
 */
export async function commitRunProgress(q: Queryable, params: RunCommit): Promise<boolean> {
  return (await commitRunsProgress(q, [params])).has(params.runId);
}

export async function insertJournalEntry(
  q: Queryable,
  runId: string,
  entry: JournalEntry,
  now: Date,
): Promise<void> {
  await q.query(
    `INSERT INTO journey_journal (run_id, position, kind, label, result, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [runId, entry.position, entry.kind, entry.label, JSON.stringify(entry.result ?? null), now.toISOString()],
  );
}

interface TransitionColumns {
  status: string | null;
  setDue: boolean;
  dueAt: string | null;
  release: boolean;
  waitMode: "keep" | "set" | "clear";
  waitEvent: string | null;
  waitWhere: string | null;
  waitPosition: number | null;
  attemptsInc: number;
  setError: boolean;
  error: string | null;
  completed: boolean;
}

function transitionColumns(t: RunTransition): TransitionColumns {
  const keep: TransitionColumns = {
    status: null,
    setDue: false,
    dueAt: null,
    release: false,
    waitMode: "keep",
    waitEvent: null,
    waitWhere: null,
    waitPosition: null,
    attemptsInc: 0,
    setError: false,
    error: null,
    completed: false,
  };
  const released = { ...keep, release: true, waitMode: "clear" as const };
  switch (t.type) {
    case "progress":
      return keep;
    case "sleep":
      return { ...released, status: "waiting", setDue: true, dueAt: t.wakeAt.toISOString() };
    case "wait":
      return {
        ...released,
        status: "waiting",
        setDue: true,
        dueAt: t.timeoutAt.toISOString(),
        waitMode: "set",
        waitEvent: t.event,
        waitWhere: t.where === null ? null : JSON.stringify(t.where),
        waitPosition: t.position,
      };
    case "complete":
      return { ...released, status: "completed", setDue: true, setError: true, completed: true };
    case "retry":
      return {
        ...released,
        setDue: true,
        dueAt: t.retryAt.toISOString(),
        attemptsInc: 1,
        setError: true,
        error: t.error,
      };
    case "fail":
      return {
        ...released,
        status: "failed",
        setDue: true,
        attemptsInc: 1,
        setError: true,
        error: t.error,
        completed: true,
      };
  }
}

/**
 * `commitRunProgress` for many runs in one statement (group commit). Rows are locked in id order first, the
 * order the router locks in. Returns the ids whose fence held; the others wrote nothing.
 *
 * The plan must not depend on table statistics. With realistic ones (nearly every run waiting or finished,
 * almost none active) the planner expects one fenced row and joined the batch in nested loops that rescan it per
 * row: O(n²), 300-600 ms for 500 runs. So `id = ANY($1)` reaches rows through the primary key with the array's
 * length as the estimate, the scalar subquery over `locked` is a one-time filter that takes the locks before the
 * update scans, and for more than one run nested loops are off for this statement (hash joins are right for any
 * batch size) — which is why a multi-run call must come inside a transaction (`SET LOCAL`).
 */
export async function commitRunsProgress(q: Queryable, commits: readonly RunCommit[]): Promise<Set<string>> {
  if (commits.length === 0) return new Set();
  const manyRuns = commits.length > 1;
  const cols = commits.map((c) => transitionColumns(c.transition));
  // One row per (run, position): ON CONFLICT cannot touch a row twice in one statement.
  const byKey = new Map<string, { runId: string; at: string; e: JournalEntry }>();
  for (const c of commits) {
    for (const e of c.entries)
      byKey.set(`${c.runId}:${e.position}`, { runId: c.runId, at: c.now.toISOString(), e });
  }
  const entries = [...byKey.values()];
  if (manyRuns) await q.query("SET LOCAL enable_nestloop = off");
  const result = await q.query<{ id: string }>(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bool[],
                            $7::timestamptz[], $8::bool[], $9::text[], $10::text[], $11::jsonb[], $12::int[],
                            $13::int[], $14::bool[], $15::text[], $16::bool[])
         AS t(id, owner, now, node, status, set_due, due_at, release, wait_mode, wait_event, wait_where,
              wait_position, attempts_inc, set_error, error, completed)
     ),
     locked AS (
       SELECT r.id FROM journey_runs r WHERE r.id = ANY($1::uuid[]) ORDER BY r.id FOR UPDATE
     ),
     fence AS (
       UPDATE journey_runs r SET
         updated_at = i.now,
         current_node_id = COALESCE(i.node, r.current_node_id),
         status = COALESCE(i.status, r.status),
         due_at = CASE WHEN i.set_due THEN i.due_at ELSE r.due_at END,
         lease_owner = CASE WHEN i.release THEN NULL ELSE r.lease_owner END,
         lease_expires_at = CASE WHEN i.release THEN NULL ELSE r.lease_expires_at END,
         wait_event = CASE i.wait_mode WHEN 'set' THEN i.wait_event WHEN 'clear' THEN NULL ELSE r.wait_event END,
         wait_where = CASE i.wait_mode WHEN 'set' THEN i.wait_where WHEN 'clear' THEN NULL ELSE r.wait_where END,
         wait_position = CASE i.wait_mode WHEN 'set' THEN i.wait_position WHEN 'clear' THEN NULL
                           ELSE r.wait_position END,
         attempts = r.attempts + i.attempts_inc,
         error = CASE WHEN i.set_error THEN i.error ELSE r.error END,
         completed_at = CASE WHEN i.completed THEN i.now ELSE r.completed_at END
       FROM input i
       WHERE r.id = ANY($1::uuid[]) AND r.id = i.id AND r.status = 'active' AND r.lease_owner = i.owner
         AND (SELECT count(*) FROM locked) >= 0
       RETURNING r.id
     ),
     entries AS (
       INSERT INTO journey_journal (run_id, position, kind, label, result, created_at)
       SELECT e.run_id, e.position, e.kind, e.label, e.result, e.created_at
         FROM unnest($17::uuid[], $18::int[], $19::text[], $20::text[], $21::jsonb[], $22::timestamptz[])
           AS e(run_id, position, kind, label, result, created_at)
        WHERE e.run_id IN (SELECT id FROM fence)
       ON CONFLICT (run_id, position) DO UPDATE SET result = EXCLUDED.result
     )
     SELECT id FROM fence`,
    [
      commits.map((c) => c.runId),
      commits.map((c) => c.owner),
      commits.map((c) => c.now.toISOString()),
      commits.map((c) => c.currentNodeId ?? null),
      cols.map((c) => c.status),
      cols.map((c) => c.setDue),
      cols.map((c) => c.dueAt),
      cols.map((c) => c.release),
      cols.map((c) => c.waitMode),
      cols.map((c) => c.waitEvent),
      cols.map((c) => c.waitWhere),
      cols.map((c) => c.waitPosition),
      cols.map((c) => c.attemptsInc),
      cols.map((c) => c.setError),
      cols.map((c) => c.error),
      cols.map((c) => c.completed),
      entries.map((x) => x.runId),
      entries.map((x) => x.e.position),
      entries.map((x) => x.e.kind),
      entries.map((x) => x.e.label),
      entries.map((x) => (x.e.result === undefined ? null : JSON.stringify(x.e.result))),
      entries.map((x) => x.at),
    ],
  );
  if (manyRuns) await q.query("SET LOCAL enable_nestloop TO DEFAULT");
  return new Set(result.rows.map((row) => row.id));
}
