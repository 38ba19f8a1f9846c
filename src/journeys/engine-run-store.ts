import type { Queryable } from "../db/database.js";
import { RUN_COLUMNS, type RunRecord, type RunRow, toRunRecord } from "./journey-store.js";

/**
 * The statements an external engine (HOGSEND_ENGINE=hatchet) needs over journey_runs and journey_engine_waits.
 * Journey state stays in these tables whichever engine runs it; the external engine only decides *when* a run
 * executes. Two columns tie a run to it: `engine_ref` (the engine run that holds it) and `engine_wakes_at` (when that
 * engine run's own sleep ends; NULL when something else — an event, a retry — made the run due and it must be woken).
 *
 * Handing a run to the engine takes a short lease named for what was done, so it is not handed over twice while the
 * engine picks it up, and so an unanswered wake is noticed: `engine:started` (a new engine run was asked for) and
 * `engine:woken` (the bound engine run was woken). When that lease lapses unclaimed, the next hand-over starts a
 * fresh engine run instead of waking one that is evidently gone.
 */

export const ENGINE_STARTED = "engine:started";
export const ENGINE_WOKEN = "engine:woken";

export interface EngineHandoff {
  runId: string;
  journeyId: string;
  /** `start`: ask the engine for a new run (and bind it); `wake`: wake the bound one. */
  action: "start" | "wake";
  engineRef: string | null;
}

/**
 * Claims due runs that need the engine's attention: new, resumed by an event, retried by an admin, or left behind
 * by an engine run that died. A run parked on the engine's own sleep is left to it until `graceMs` past its wake.
 */
export async function claimRunsForEngine(
  q: Queryable,
  params: {
    now: Date;
    graceMs: number;
    handoffMs: number;
    limit: number;
    journeyIds: readonly string[];
    /** Wakes parked runs too, as soon as they are due (the test harness: its clock is not the engine's). */
    wakeParked?: boolean;
  },
): Promise<EngineHandoff[]> {
  if (params.limit <= 0 || params.journeyIds.length === 0) return [];
  const { rows } = await q.query<{
    id: string;
    journey_id: string;
    engine_ref: string | null;
    lease_owner: string;
  }>(
    `UPDATE journey_runs r
        SET lease_owner = CASE WHEN d.engine_ref IS NULL OR d.lease_owner = '${ENGINE_WOKEN}'
                               THEN '${ENGINE_STARTED}' ELSE '${ENGINE_WOKEN}' END,
            lease_expires_at = $3
       FROM (SELECT id, engine_ref, lease_owner FROM journey_runs
              WHERE status IN ('active', 'waiting') AND due_at <= $1
                AND (lease_expires_at IS NULL OR lease_expires_at < $1)
                AND ($6 OR engine_wakes_at IS NULL OR engine_wakes_at <= $2)
                AND journey_id = ANY($4::text[])
              ORDER BY due_at
              LIMIT $5
              FOR UPDATE SKIP LOCKED) d
      WHERE r.id = d.id
      RETURNING r.id, r.journey_id, d.engine_ref, r.lease_owner`,
    [
      params.now.toISOString(),
      new Date(params.now.getTime() - params.graceMs).toISOString(),
      new Date(params.now.getTime() + params.handoffMs).toISOString(),
      params.journeyIds,
      params.limit,
      params.wakeParked === true,
    ],
  );
  return rows.map((row) => ({
    runId: row.id,
    journeyId: row.journey_id,
    action: row.lease_owner === ENGINE_STARTED ? "start" : "wake",
    engineRef: row.lease_owner === ENGINE_STARTED ? null : row.engine_ref,
  }));
}

/** Records the engine runs just started for runs still waiting to be picked up (a started run binds itself too). */
export async function bindEngineRuns(
  q: Queryable,
  bindings: ReadonlyArray<{ runId: string; engineRef: string }>,
): Promise<void> {
  if (bindings.length === 0) return;
  await q.query(
    `UPDATE journey_runs r SET engine_ref = t.engine_ref
       FROM unnest($1::uuid[], $2::text[]) AS t(id, engine_ref)
      WHERE r.id = t.id AND r.lease_owner = '${ENGINE_STARTED}'`,
    [bindings.map((b) => b.runId), bindings.map((b) => b.engineRef)],
  );
}

export type EngineClaim =
  | { kind: "claimed"; run: RunRecord }
  /** Ended (completed, failed, exited, cancelled): the engine run has nothing left to do. */
  | { kind: "ended"; run: RunRecord }
  /** Another engine run holds it now: this one is a leftover and stops. */
  | { kind: "superseded" }
  /** Live but not due yet (a wake that was not for now): wait until `dueAt`. */
  | { kind: "not_due"; dueAt: Date }
  /** Held by a live execution (a previous invocation whose lease has not run out): try again at `until`. */
  | { kind: "leased"; until: Date }
  | { kind: "missing" };

/**
 * An engine run takes the journey run it was given for one execution: only when the run is live and due, held by
 * nobody (or by a hand-over lease, or by a lease that ran out), and bound to this engine run or to none. Claiming
 * binds it and clears `engine_wakes_at`.
 */
export async function claimRunForEngine(
  q: Queryable,
  params: { runId: string; engineRef: string; owner: string; now: Date; leaseMs: number },
): Promise<EngineClaim> {
  const now = params.now.toISOString();
  const claimed = await q.query<RunRow>(
    `UPDATE journey_runs
        SET status = 'active', lease_owner = $3, lease_expires_at = $5, engine_ref = $2, engine_wakes_at = NULL,
            updated_at = $4
      WHERE id = $1 AND status IN ('active', 'waiting') AND due_at <= $4
        AND (engine_ref IS NULL OR engine_ref = $2 OR lease_owner = '${ENGINE_STARTED}')
        AND (lease_owner IS NULL OR lease_owner LIKE 'engine:%' OR lease_owner = $3 OR lease_expires_at < $4)
      RETURNING ${RUN_COLUMNS}`,
    [params.runId, params.engineRef, params.owner, now, new Date(params.now.getTime() + params.leaseMs)],
  );
  if (claimed.rows[0]) return { kind: "claimed", run: toRunRecord(claimed.rows[0]) };
  const current = await q.query<RunRow & { engine_ref: string | null }>(
    `SELECT ${RUN_COLUMNS}, engine_ref FROM journey_runs WHERE id = $1`,
    [params.runId],
  );
  const row = current.rows[0];
  if (!row) return { kind: "missing" };
  const run = toRunRecord(row);
  if (run.status !== "active" && run.status !== "waiting") return { kind: "ended", run };
  if (row.engine_ref !== null && row.engine_ref !== params.engineRef && row.lease_owner !== ENGINE_STARTED)
    return { kind: "superseded" };
  if (
    run.leaseOwner &&
    !run.leaseOwner.startsWith("engine:") &&
    run.leaseExpiresAt &&
    run.leaseExpiresAt > params.now
  )
    return { kind: "leased", until: run.leaseExpiresAt };
  // Live, ours, not leased, so not due — unless it became due between the two statements: then at once.
  return { kind: "not_due", dueAt: run.dueAt ?? params.now };
}

/**
 * Marks a run as parked on its engine run's own sleep until `wakesAt`, so the hand-over leaves it alone — only if
 * nothing moved it since it suspended at `dueAt` (an event that resumed it in between must still wake it).
 */
export async function parkRunOnEngine(
  q: Queryable,
  params: { runId: string; engineRef: string; dueAt: Date; wakesAt: Date },
): Promise<void> {
  await q.query(
    `UPDATE journey_runs SET engine_wakes_at = $4
      WHERE id = $1 AND engine_ref = $2 AND due_at = $3 AND lease_owner IS NULL
        AND status IN ('active', 'waiting')`,
    [params.runId, params.engineRef, params.dueAt.toISOString(), params.wakesAt.toISOString()],
  );
}

/** Unbinds a finished engine run from a run that has ended (nothing left for the cancel sweep). */
export async function unbindEndedRun(q: Queryable, runId: string, engineRef: string): Promise<void> {
  await q.query(
    `UPDATE journey_runs SET engine_ref = NULL, engine_wakes_at = NULL
      WHERE id = $1 AND engine_ref = $2 AND status NOT IN ('active', 'waiting')`,
    [runId, engineRef],
  );
}

/** Ended runs whose engine run is still bound (exited or cancelled while it slept): the engine cancels those. */
export async function listEngineRunsToCancel(
  q: Queryable,
  limit: number,
): Promise<Array<{ runId: string; engineRef: string }>> {
  const { rows } = await q.query<{ id: string; engine_ref: string }>(
    `SELECT id, engine_ref FROM journey_runs
      WHERE engine_ref IS NOT NULL AND status NOT IN ('active', 'waiting')
      LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({ runId: row.id, engineRef: row.engine_ref }));
}

export async function unbindEngineRuns(
  q: Queryable,
  runs: ReadonlyArray<{ runId: string; engineRef: string }>,
): Promise<void> {
  if (runs.length === 0) return;
  await q.query(
    `UPDATE journey_runs r SET engine_ref = NULL, engine_wakes_at = NULL
       FROM unnest($1::uuid[], $2::text[]) AS t(id, engine_ref)
      WHERE r.id = t.id AND r.engine_ref = t.engine_ref AND r.status NOT IN ('active', 'waiting')`,
    [runs.map((r) => r.runId), runs.map((r) => r.engineRef)],
  );
}

/** One wait an engine run issued: replayed verbatim, so the engine sees the same conditions in the same order. */
export interface EngineWait {
  seq: number;
  /** Whole seconds as a duration string (`"172800s"`). */
  sleepFor: string;
  /** Wake events pushed since this moment count (one pushed while the wait was being set up is not lost). */
  eventsSince: Date;
}

export async function loadEngineWaits(q: Queryable, engineRef: string): Promise<EngineWait[]> {
  const { rows } = await q.query<{ seq: number; sleep_for: string; events_since: Date }>(
    "SELECT seq, sleep_for, events_since FROM journey_engine_waits WHERE engine_run_id = $1 ORDER BY seq",
    [engineRef],
  );
  return rows.map((row) => ({ seq: row.seq, sleepFor: row.sleep_for, eventsSince: row.events_since }));
}

/** Records a wait before it is issued; a wait already recorded at `seq` wins (and is returned). */
export async function recordEngineWait(
  q: Queryable,
  params: { engineRef: string; runId: string; wait: EngineWait },
): Promise<EngineWait> {
  const { rows } = await q.query<{ seq: number; sleep_for: string; events_since: Date }>(
    `WITH inserted AS (
       INSERT INTO journey_engine_waits (engine_run_id, seq, run_id, sleep_for, events_since)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
       RETURNING seq, sleep_for, events_since)
     SELECT * FROM inserted
     UNION ALL
     SELECT seq, sleep_for, events_since FROM journey_engine_waits WHERE engine_run_id = $1 AND seq = $2
     LIMIT 1`,
    [
      params.engineRef,
      params.wait.seq,
      params.runId,
      params.wait.sleepFor,
      params.wait.eventsSince.toISOString(),
    ],
  );
  const row = rows[0];
  return row ? { seq: row.seq, sleepFor: row.sleep_for, eventsSince: row.events_since } : params.wait;
}
