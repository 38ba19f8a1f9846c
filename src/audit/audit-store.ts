import type { Queryable } from "../db/database.js";
import { createKeysetCursor } from "../db/keyset-cursor.js";
import type { AuditActor, AuditChange, AuditContext, AuditEntry } from "./audit-entry.js";

const cursor = createKeysetCursor("int");

/**
 * Writes one audit entry. Call it with the transaction that makes the change, so the change and its record
 * commit together or not at all.
 */
export async function recordAudit(q: Queryable, context: AuditContext, change: AuditChange): Promise<void> {
  const actor = actorColumns(context.actor);
  await q.query(
    `INSERT INTO audit_log (actor_type, actor_id, actor_label, action, target_type, target_id, before, after,
                            request_id, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)`,
    [
      context.actor.type,
      actor.id,
      actor.label,
      change.action,
      change.targetType,
      change.targetId,
      toJson(change.before),
      toJson(change.after),
      context.requestId ?? null,
      context.ip ?? null,
    ],
  );
}

export interface AuditLogFilter {
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  actorId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** Newest first, filtered, one keyset page (`nextCursor` null on the last page). */
export async function listAuditEntries(
  q: Queryable,
  filter: AuditLogFilter,
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (filter.action) add("action = ?", filter.action);
  if (filter.targetType) add("target_type = ?", filter.targetType);
  if (filter.targetId) add("target_id = ?", filter.targetId);
  if (filter.actorId) add("actor_id = ?", filter.actorId);
  if (filter.since) add("occurred_at >= ?", filter.since);
  if (filter.until) add("occurred_at < ?", filter.until);
  if (filter.cursor) add("id < ?", cursor.decode(filter.cursor)[0]);
  params.push(limit + 1);
  const result = await q.query<AuditRow>(
    `SELECT id, occurred_at, actor_type, actor_id, actor_label, action, target_type, target_id, before, after,
            redacted_at, request_id, ip
       FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  const rows = result.rows.slice(0, limit);
  const last = rows.at(-1);
  return {
    entries: rows.map(toEntry),
    nextCursor: result.rows.length > limit && last ? cursor.encode(Number(last.id)) : null,
  };
}

/**
 * GDPR erase: drops what the log recorded about a person — the before/after of every entry whose target is the
 * contact or whose record names the user (a run of theirs) — keeping who did what and when. Returns how many
 * entries were redacted. (The scan over before/after is unindexed on purpose: an erase is rare, and an index on
 * every entry's JSON would cost every write.)
 */
export async function redactAuditAboutUser(q: Queryable, userId: string): Promise<number> {
  const result = await q.query(
    `UPDATE audit_log SET before = NULL, after = NULL, redacted_at = now()
      WHERE redacted_at IS NULL
        AND ((target_type = 'contact' AND target_id = $1) OR before->>'userId' = $1 OR after->>'userId' = $1)`,
    [userId],
  );
  return result.rowCount ?? 0;
}

/** Retention: deletes entries older than the cut-off, in bounded batches so a large backlog never holds a long lock. */
export async function pruneAuditLog(q: Queryable, olderThan: Date, batchSize = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await q.query(
      `DELETE FROM audit_log WHERE id IN (
         SELECT id FROM audit_log WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)`,
      [olderThan, batchSize],
    );
    const deleted = result.rowCount ?? 0;
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

interface AuditRow {
  id: string;
  occurred_at: Date;
  actor_type: AuditActor["type"];
  actor_id: string;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  redacted_at: Date | null;
  request_id: string | null;
  ip: string | null;
}

function actorColumns(actor: AuditActor): { id: string; label: string } {
  switch (actor.type) {
    case "api_key":
      return { id: actor.id, label: actor.name };
    case "user":
      return { id: actor.id, label: actor.email };
    case "system":
      return { id: `system:${actor.name}`, label: actor.name };
  }
}

function toActor(row: AuditRow): AuditActor {
  switch (row.actor_type) {
    case "api_key":
      return { type: "api_key", id: row.actor_id, name: row.actor_label };
    case "user":
      return { type: "user", id: row.actor_id, email: row.actor_label };
    case "system":
      return { type: "system", name: row.actor_label };
  }
}

const toEntry = (row: AuditRow): AuditEntry => ({
  id: Number(row.id),
  occurredAt: row.occurred_at,
  actor: toActor(row),
  action: row.action,
  targetType: row.target_type,
  targetId: row.target_id,
  before: row.before ?? null,
  after: row.after ?? null,
  redactedAt: row.redacted_at,
  requestId: row.request_id,
  ip: row.ip,
});

const toJson = (value: Record<string, unknown> | null | undefined): string | null =>
  value == null ? null : JSON.stringify(value);
