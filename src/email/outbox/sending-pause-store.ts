import type { Queryable } from "../../db/database.js";

/** The reputation guard's switch (table `sending_pause`): while paused, only transactional mail is claimed. */
export interface SendingPause {
  paused: boolean;
  pausedAt: Date | null;
  reason: string | null;
  /** `rule:<id>` when the guard paused, or the admin's actor. */
  pausedBy: string | null;
  resumedAt: Date | null;
  resumedBy: string | null;
}

interface PauseRow {
  paused_at: Date | null;
  reason: string | null;
  paused_by: string | null;
  resumed_at: Date | null;
  resumed_by: string | null;
}

const toPause = (row: PauseRow | undefined): SendingPause => ({
  paused: row?.paused_at != null,
  pausedAt: row?.paused_at ?? null,
  reason: row?.reason ?? null,
  pausedBy: row?.paused_by ?? null,
  resumedAt: row?.resumed_at ?? null,
  resumedBy: row?.resumed_by ?? null,
});

export async function readSendingPause(q: Queryable): Promise<SendingPause> {
  const result = await q.query<PauseRow>(
    "SELECT paused_at, reason, paused_by, resumed_at, resumed_by FROM sending_pause",
  );
  return toPause(result.rows[0]);
}

/** Pauses non-transactional sending. Returns false when it was already paused (the first reason stays). */
export async function pauseSending(
  q: Queryable,
  params: { reason: string; by: string; at: Date },
): Promise<boolean> {
  const result = await q.query(
    `UPDATE sending_pause SET paused_at = $1, reason = $2, paused_by = $3 WHERE paused_at IS NULL`,
    [params.at.toISOString(), params.reason, params.by],
  );
  return (result.rowCount ?? 0) > 0;
}

/**
 * Resumes sending and wakes every delivery loop (the held messages are due already). Returns the pause that was
 * lifted, or undefined when sending was not paused.
 */
export async function resumeSending(
  q: Queryable,
  params: { by: string; at: Date },
): Promise<SendingPause | undefined> {
  const result = await q.query<PauseRow>(
    `WITH before AS (SELECT paused_at, reason, paused_by FROM sending_pause WHERE paused_at IS NOT NULL FOR UPDATE),
          lifted AS (
       UPDATE sending_pause SET paused_at = NULL, resumed_at = $1, resumed_by = $2
        WHERE paused_at IS NOT NULL RETURNING resumed_at, resumed_by)
     SELECT b.paused_at, b.reason, b.paused_by, l.resumed_at, l.resumed_by, pg_notify('hogsend_messages', '')
       FROM before b, lifted l`,
    [params.at.toISOString(), params.by],
  );
  const row = result.rows[0];
  return row ? toPause(row) : undefined;
}

/** Messages the pause is holding: queued and not transactional. */
export async function countHeldMessages(q: Queryable): Promise<number> {
  const result = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages
      WHERE status = 'queued' AND category IS DISTINCT FROM 'transactional'
        AND (SELECT paused_at IS NOT NULL FROM sending_pause)`,
  );
  return result.rows[0]?.n ?? 0;
}
