import type { Queryable } from "../db/database.js";
import type { PropertyCondition } from "./journey-types.js";

/** The run channel: notified when a run becomes due now, so idle executors claim it at once. */
export const RUNS_CHANNEL = "hogsend_runs";

/** `held_out`: in the journey's control group (meta.holdout), terminal from the start; it runs nothing. */
export type RunStatus = "active" | "waiting" | "completed" | "failed" | "exited" | "cancelled" | "held_out";

/** Every status, for the API's enums and Studio's filters. */
export const RUN_STATUSES = [
  "active",
  "waiting",
  "completed",
  "failed",
  "exited",
  "cancelled",
  "held_out",
] as const satisfies readonly RunStatus[];

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
  /** When the run met its journey's goal (meta.goal); null until it does. */
  convertedAt: Date | null;
  goalEventId: number | null;
  goalEvent: string | null;
  /** The arms `ctx.variant` drew for this run, by experiment name. */
  variants: Record<string, string>;
}

export interface JournalEntry {
  position: number;
  kind: string;
  label: string;
  result: unknown;
}

export const RUN_COLUMNS = `id, journey_id, user_id, user_email, properties, trigger_event_id, status, current_node_id,
  due_at, wait_event, wait_where, wait_position, attempts, lease_owner, lease_expires_at, error, exit_event_id,
  created_at, updated_at, completed_at, converted_at, goal_event_id, goal_event, variants`;

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
  converted_at: Date | null;
  goal_event_id: number | null;
  goal_event: string | null;
  variants: Record<string, string>;
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
    convertedAt: row.converted_at,
    goalEventId: row.goal_event_id,
    goalEvent: row.goal_event,
    variants: row.variants ?? {},
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

/**
 * Live runs (active, waiting) per journey and status, for the metrics sampler: read through the partial index of
 * live runs, so its cost follows the live runs, not the millions that have ended.
 */
export async function countLiveRuns(
  q: Queryable,
): Promise<Array<{ journeyId: string; status: RunStatus; runs: number }>> {
  const { rows } = await q.query<{ journey_id: string; status: RunStatus; runs: number }>(
    `SELECT journey_id, status, count(*)::int AS runs FROM journey_runs
      WHERE status IN ('active', 'waiting') GROUP BY journey_id, status`,
  );
  return rows.map((row) => ({ journeyId: row.journey_id, status: row.status, runs: row.runs }));
}
