import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database } from "../db/database.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { getRun } from "./journey-admin-store.js";
import { RUN_COLUMNS, RUNS_CHANNEL, type RunRecord, type RunRow, toRunRecord } from "./journey-store.js";

/**
 * Retries a failed run: it becomes `active` and due now with fresh attempts, and the next executor replays it from
 * its journal, so every operation it recorded returns its result again (no email is sent twice) and the one that
 * failed runs again. Returns undefined when there is no such run; throws CONFLICT when it has not failed, or when
 * the user has meanwhile entered the journey again (one live run per user and journey).
 */
export async function retryRun(
  db: Database,
  runId: string,
  now: Date,
  audit: AuditContext,
): Promise<RunRecord | undefined> {
  return db.transaction(async (tx) => {
    const before = await getRun(tx, runId);
    if (!before) return undefined;
    if (before.status !== "failed") {
      throw new HogsendError(
        ErrorCodes.CONFLICT,
        `Run ${runId} is ${before.status}; only a failed run is retried`,
      );
    }
    const live = await tx.query<{ id: string }>(
      "SELECT id FROM journey_runs WHERE journey_id = $1 AND user_id = $2 AND status IN ('active', 'waiting')",
      [before.journeyId, before.userId],
    );
    if (live.rows[0]) {
      throw new HogsendError(
        ErrorCodes.CONFLICT,
        `User ${before.userId} already has a live run of ${before.journeyId} (${live.rows[0].id})`,
        { details: { liveRunId: live.rows[0].id } },
      );
    }
    const result = await tx.query<RunRow>(
      `UPDATE journey_runs SET status = 'active', due_at = $2, attempts = 0, error = NULL, completed_at = NULL,
              lease_owner = NULL, lease_expires_at = NULL, engine_wakes_at = NULL, updated_at = $2
        WHERE id = $1 AND status = 'failed'
        RETURNING ${RUN_COLUMNS}`,
      [runId, now.toISOString()],
    );
    const row = result.rows[0];
    if (!row) throw new HogsendError(ErrorCodes.CONFLICT, `Run ${runId} changed meanwhile; reload it`);
    const run = toRunRecord(row);
    await recordAudit(tx, audit, {
      action: "run.retried",
      targetType: "run",
      targetId: runId,
      before: {
        journeyId: before.journeyId,
        userId: before.userId,
        status: before.status,
        error: before.error,
      },
      after: { status: run.status, dueAt: now.toISOString() },
    });
    await tx.query("SELECT pg_notify($1, '')", [RUNS_CHANNEL]);
    return run;
  });
}
