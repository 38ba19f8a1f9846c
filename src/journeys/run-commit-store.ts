import type { Queryable } from "../db/database.js";
import type { JournalEntry } from "./journey-store.js";
import type { PropertyCondition } from "./journey-types.js";

/**
 * The fenced commits of executing runs (journey_runs and journey_journal, as the run committer writes them): the
 * statements that move a run forward only while its execution still holds it.
 */

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
                            $13::int[], $14::bool[], $15::text[], $16::bool[], $23::jsonb[])
         AS t(id, owner, now, node, status, set_due, due_at, release, wait_mode, wait_event, wait_where,
              wait_position, attempts_inc, set_error, error, completed, variants)
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
         completed_at = CASE WHEN i.completed THEN i.now ELSE r.completed_at END,
         variants = CASE WHEN i.variants IS NULL THEN r.variants ELSE r.variants || i.variants END
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
      commits.map((c) => variantsOf(c.entries)),
    ],
  );
  if (manyRuns) await q.query("SET LOCAL enable_nestloop TO DEFAULT");
  return new Set(result.rows.map((row) => row.id));
}

/**
 * The arms drawn in these entries, `{ experiment: arm }` as JSON (null when none): the run's `variants` column,
 * which the lift report groups by. A replayed `ctx.variant` is not re-entered, so the first draw stays.
 */
function variantsOf(entries: readonly JournalEntry[]): string | null {
  const arms: Record<string, string> = {};
  for (const entry of entries) {
    const arm = (entry.result as { arm?: unknown } | null)?.arm;
    if (entry.kind === "variant" && typeof arm === "string") arms[entry.label] = arm;
  }
  return Object.keys(arms).length === 0 ? null : JSON.stringify(arms);
}
