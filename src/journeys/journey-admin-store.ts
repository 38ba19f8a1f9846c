import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database, Queryable } from "../db/database.js";
import { createKeysetCursor } from "../db/keyset-cursor.js";
import {
  endRuns,
  type JournalEntry,
  RUN_COLUMNS,
  type RunRecord,
  type RunRow,
  toRunRecord,
} from "./journey-store.js";

/** A run as the admin API shows it. */
export interface RunView {
  /** The run's id (journey authors see it as `user.stateId`). */
  runId: string;
  journeyId: string;
  userId: string;
  userEmail: string | null;
  status: string;
  currentNodeId: string | null;
  properties: Record<string, unknown>;
  attempts: number;
  error: string | null;
  exitEventId: number | null;
  triggerEventId: number | null;
  dueAt: string | null;
  /** When a sleeping or waiting run wakes (its sleep's end or its wait's timeout); null otherwise. */
  nextWakeAt: string | null;
  /** The label of the sleep, wait or checkpoint a live run is at (its current node); null before any. */
  currentStep: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  /** Why an `exited` run ended: `goal` (meta.goal with exitOnGoal) or `exit_on` (an exitOn rule); else null. */
  exitReason: "goal" | "exit_on" | null;
  /** When the run met its journey's goal; null until it does. */
  convertedAt: string | null;
  goalEventId: number | null;
  goalEvent: string | null;
  /** The arms `ctx.variant` drew, by experiment name. */
  variants: Record<string, string>;
}

function exitReasonOf(run: RunRecord): RunView["exitReason"] {
  if (run.status !== "exited") return null;
  return run.exitEventId !== null && run.exitEventId === run.goalEventId ? "goal" : "exit_on";
}

export function toRunView(run: RunRecord): RunView {
  return {
    runId: run.id,
    journeyId: run.journeyId,
    userId: run.userId,
    userEmail: run.userEmail,
    status: run.status,
    currentNodeId: run.currentNodeId,
    properties: run.properties,
    attempts: run.attempts,
    error: run.error,
    exitEventId: run.exitEventId,
    triggerEventId: run.triggerEventId,
    dueAt: run.dueAt?.toISOString() ?? null,
    nextWakeAt: run.status === "waiting" ? (run.dueAt?.toISOString() ?? null) : null,
    currentStep: run.status === "active" || run.status === "waiting" ? run.currentNodeId : null,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    completedAt: run.completedAt?.toISOString() ?? null,
    exitReason: exitReasonOf(run),
    convertedAt: run.convertedAt?.toISOString() ?? null,
    goalEventId: run.goalEventId,
    goalEvent: run.goalEvent,
    variants: run.variants,
  };
}

export async function countSkipsByReason(q: Queryable): Promise<Map<string, Record<string, number>>> {
  const result = await q.query<{ journey_id: string; reason: string; count: number }>(
    "SELECT journey_id, reason, count FROM journey_skip_counts",
  );
  const counts = new Map<string, Record<string, number>>();
  for (const row of result.rows) {
    const entry = counts.get(row.journey_id) ?? {};
    entry[row.reason] = row.count;
    counts.set(row.journey_id, entry);
  }
  return counts;
}

const RUN_CURSOR = createKeysetCursor("timestamp", "uuid");

/** Runs of one journey, newest first, optionally for one user and/or status; keyset-paginated. */
export async function listJourneyRuns(
  q: Queryable,
  params: {
    journeyId: string;
    userId?: string | undefined;
    status?: string | undefined;
    /** Live runs at this step now (their current node). */
    step?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
  const after = params.cursor === undefined ? undefined : RUN_CURSOR.decode(params.cursor);
  const result = await q.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM journey_runs
      WHERE journey_id = $1 AND ($2::text IS NULL OR user_id = $2) AND ($3::text IS NULL OR status = $3)
        AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5::uuid))
        AND ($7::text IS NULL OR (current_node_id = $7 AND status IN ('active', 'waiting')))
      ORDER BY created_at DESC, id DESC LIMIT $6`,
    [
      params.journeyId,
      params.userId ?? null,
      params.status ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      params.limit + 1,
      params.step ?? null,
    ],
  );
  const runs = result.rows.slice(0, params.limit).map(toRunRecord);
  const last = runs[runs.length - 1];
  return {
    runs,
    nextCursor: result.rows.length > params.limit && last ? RUN_CURSOR.encode(last.createdAt, last.id) : null,
  };
}

export async function listUserRuns(q: Queryable, userId: string, limit = 500): Promise<RunRecord[]> {
  const result = await q.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM journey_runs WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [userId, limit],
  );
  return result.rows.map(toRunRecord);
}

export async function getRun(q: Queryable, runId: string): Promise<RunRecord | undefined> {
  const result = await q.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM journey_runs WHERE id = $1`, [runId]);
  return result.rows[0] ? toRunRecord(result.rows[0]) : undefined;
}

export async function getJournal(
  q: Queryable,
  runId: string,
): Promise<Array<JournalEntry & { createdAt: string }>> {
  const result = await q.query<{
    position: number;
    kind: string;
    label: string;
    result: unknown;
    created_at: Date;
  }>(
    "SELECT position, kind, label, result, created_at FROM journey_journal WHERE run_id = $1 ORDER BY position",
    [runId],
  );
  return result.rows.map((row) => ({
    position: row.position,
    kind: row.kind,
    label: row.label,
    result: row.result,
    createdAt: row.created_at.toISOString(),
  }));
}

/**
 * Cancels a live run: it will not execute again, and an execution in progress fails its next fence and stops.
 * Returns undefined when the run does not exist, and the run unchanged when it had already ended.
 */
export async function cancelRun(
  db: Database,
  runId: string,
  now: Date,
  audit: AuditContext,
): Promise<{ run: RunRecord; cancelled: boolean } | undefined> {
  return db.transaction(async (tx) => {
    const before = await getRun(tx, runId);
    if (!before) return undefined;
    const [ended] = await endRuns(tx, "cancelled", [{ id: runId }], now);
    if (!ended) return { run: before, cancelled: false };
    await recordAudit(tx, audit, {
      action: "run.cancelled",
      targetType: "run",
      targetId: runId,
      before: { journeyId: before.journeyId, userId: before.userId, status: before.status },
      after: { status: ended.status },
    });
    return { run: ended, cancelled: true };
  });
}

/** Deletes a user's runs (their journals cascade) and once-entries (GDPR erase); returns how many runs. */
export async function deleteUserJourneyData(q: Queryable, userId: string): Promise<number> {
  await q.query("DELETE FROM journey_once_entries WHERE user_id = $1", [userId]);
  return (await q.query("DELETE FROM journey_runs WHERE user_id = $1", [userId])).rowCount ?? 0;
}
