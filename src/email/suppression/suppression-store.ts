import type { Queryable } from "../../db/database.js";
import { createKeysetCursor } from "../../db/keyset-cursor.js";

export const SUPPRESSION_REASONS = ["hard_bounce", "soft_bounce", "complaint", "manual"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  email: string;
  reason: SuppressionReason;
  source: string;
  note: string | null;
  createdAt: Date;
}

interface SuppressionRow {
  email: string;
  reason: SuppressionReason;
  source: string;
  note: string | null;
  created_at: Date;
}

const COLUMNS = "email, reason, source, note, created_at";

const toSuppression = (row: SuppressionRow): Suppression => ({
  email: row.email,
  reason: row.reason,
  source: row.source,
  note: row.note,
  createdAt: row.created_at,
});

/**
 * Suppresses an address. An address already suppressed keeps its first reason: the first cause is the one an
 * admin needs to see, and a later soft bounce must not soften an earlier complaint. Returns whether a row was
 * written.
 */
export async function addSuppression(
  q: Queryable,
  input: { email: string; reason: SuppressionReason; source: string; note?: string | null | undefined },
): Promise<boolean> {
  const result = await q.query(
    `INSERT INTO suppressions (email, reason, source, note) VALUES (lower($1), $2, $3, $4)
     ON CONFLICT (email) DO NOTHING`,
    [input.email.trim(), input.reason, input.source, input.note ?? null],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Suppresses many lower-cased addresses at once (first reason kept, as addSuppression); returns how many were new. */
export async function addSuppressions(
  q: Queryable,
  rows: ReadonlyMap<string, SuppressionReason>,
  source: string,
): Promise<number> {
  const result = await q.query(
    `INSERT INTO suppressions (email, reason, source)
     SELECT email, reason, $3 FROM unnest($1::text[], $2::text[]) AS r(email, reason)
     ON CONFLICT (email) DO NOTHING`,
    [[...rows.keys()], [...rows.values()], source],
  );
  return result.rowCount ?? 0;
}

export async function removeSuppression(q: Queryable, email: string): Promise<boolean> {
  const result = await q.query("DELETE FROM suppressions WHERE email = lower($1)", [email.trim()]);
  return (result.rowCount ?? 0) > 0;
}

export async function getSuppression(q: Queryable, email: string): Promise<Suppression | undefined> {
  const result = await q.query<SuppressionRow>(
    `SELECT ${COLUMNS} FROM suppressions WHERE email = lower($1)`,
    [email.trim()],
  );
  const row = result.rows[0];
  return row ? toSuppression(row) : undefined;
}

/** Newest first, keyset-paginated on (created_at, email). */
export async function listSuppressions(
  q: Queryable,
  params: { limit: number; reason?: SuppressionReason | undefined; cursor?: string | undefined },
): Promise<{ data: Suppression[]; nextCursor: string | null }> {
  const after = params.cursor === undefined ? undefined : SUPPRESSION_CURSOR.decode(params.cursor);
  const result = await q.query<SuppressionRow>(
    `SELECT ${COLUMNS} FROM suppressions
      WHERE ($1::text IS NULL OR reason = $1)
        AND ($2::timestamptz IS NULL OR created_at < $2 OR (created_at = $2 AND email > $3))
      ORDER BY created_at DESC, email LIMIT $4`,
    [params.reason ?? null, after?.[0] ?? null, after?.[1] ?? null, params.limit + 1],
  );
  const data = result.rows.slice(0, params.limit).map(toSuppression);
  const last = data.at(-1);
  return {
    data,
    nextCursor:
      result.rows.length > params.limit && last
        ? SUPPRESSION_CURSOR.encode(last.createdAt, last.email)
        : null,
  };
}

const SUPPRESSION_CURSOR = createKeysetCursor("timestamp", "text");
