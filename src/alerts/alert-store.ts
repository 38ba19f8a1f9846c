import type { Queryable } from "../db/database.js";
import type { AlertRule, Severity } from "./alert-rules.js";
import type { AlertStatus, AlertTransition } from "./alert-state-machine.js";

// Tables alert_state, alert_history, alert_notifications, alert_leases (migration 0090).

export type AlertChannel = "slack" | "webhook" | "email";

/** Takes (or renews) a named lease for `owner`; true when this owner holds it until now + leaseMs. */
export async function takeAlertLease(
  q: Queryable,
  params: { name: string; owner: string; leaseMs: number; now: Date },
): Promise<boolean> {
  const result = await q.query(
    `UPDATE alert_leases SET owner = $2, expires_at = $4::timestamptz + $3 * interval '1 millisecond'
      WHERE name = $1 AND (owner = $2 OR owner IS NULL OR expires_at < $4)`,
    [params.name, params.owner, params.leaseMs, params.now.toISOString()],
  );
  return (result.rowCount ?? 0) > 0;
}

export async function releaseAlertLease(
  q: Queryable,
  params: { name: string; owner: string },
): Promise<void> {
  await q.query("UPDATE alert_leases SET owner = NULL, expires_at = NULL WHERE name = $1 AND owner = $2", [
    params.name,
    params.owner,
  ]);
}

export interface StoredAlertState extends AlertStatus {
  rule: string;
  value: number | null;
  threshold: number | null;
  summary: string | null;
  details: Record<string, unknown>;
  resolvedAt: Date | null;
  evaluatedAt: Date;
}

interface StateRow {
  rule: string;
  status: "ok" | "firing";
  severity: Severity | null;
  value: number | null;
  threshold: number | null;
  summary: string | null;
  details: Record<string, unknown>;
  opened_at: Date | null;
  last_notified_at: Date | null;
  resolved_at: Date | null;
  evaluated_at: Date;
}

const toState = (row: StateRow): StoredAlertState => ({
  rule: row.rule,
  status: row.status,
  severity: row.severity,
  value: row.value,
  threshold: row.threshold,
  summary: row.summary,
  details: row.details,
  openedAt: row.opened_at,
  lastNotifiedAt: row.last_notified_at,
  resolvedAt: row.resolved_at,
  evaluatedAt: row.evaluated_at,
});

/** A rule's state, locked for the caller's transaction (created as `ok` the first time). */
export async function lockAlertState(q: Queryable, rule: AlertRule, now: Date): Promise<StoredAlertState> {
  await q.query(
    `INSERT INTO alert_state (rule, status, evaluated_at) VALUES ($1, 'ok', $2) ON CONFLICT (rule) DO NOTHING`,
    [rule, now.toISOString()],
  );
  const result = await q.query<StateRow>("SELECT * FROM alert_state WHERE rule = $1 FOR UPDATE", [rule]);
  const row = result.rows[0];
  if (!row) throw new Error(`alert_state row for ${rule} vanished`);
  return toState(row);
}

export async function saveAlertState(
  q: Queryable,
  params: {
    rule: AlertRule;
    status: AlertStatus;
    value: number | null;
    threshold: number | null;
    summary: string;
    details: Record<string, unknown>;
    resolvedAt?: Date | undefined;
    now: Date;
  },
): Promise<void> {
  await q.query(
    `UPDATE alert_state SET status = $2, severity = $3, opened_at = $4, last_notified_at = $5, value = $6,
            threshold = $7, summary = $8, details = $9, resolved_at = COALESCE($10, resolved_at), evaluated_at = $11
      WHERE rule = $1`,
    [
      params.rule,
      params.status.status,
      params.status.severity,
      params.status.openedAt?.toISOString() ?? null,
      params.status.lastNotifiedAt?.toISOString() ?? null,
      params.value,
      params.threshold,
      params.summary,
      JSON.stringify(params.details),
      params.resolvedAt?.toISOString() ?? null,
      params.now.toISOString(),
    ],
  );
}

export interface AlertHistoryEntry {
  id: number;
  rule: string;
  kind: AlertTransition;
  severity: Severity | null;
  value: number | null;
  threshold: number | null;
  summary: string;
  details: Record<string, unknown>;
  at: Date;
}

/** Records a transition and queues its notification on each channel, in the caller's transaction. */
export async function recordAlertTransition(
  q: Queryable,
  entry: Omit<AlertHistoryEntry, "id">,
  channels: readonly AlertChannel[],
): Promise<number> {
  const result = await q.query<{ id: string }>(
    `INSERT INTO alert_history (rule, kind, severity, value, threshold, summary, details, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      entry.rule,
      entry.kind,
      entry.severity,
      entry.value,
      entry.threshold,
      entry.summary,
      JSON.stringify(entry.details),
      entry.at.toISOString(),
    ],
  );
  const id = Number(result.rows[0]?.id);
  if (channels.length > 0) {
    await q.query(
      `INSERT INTO alert_notifications (history_id, channel, next_attempt_at)
       SELECT $1, channel, $3 FROM unnest($2::text[]) AS channel`,
      [id, channels, entry.at.toISOString()],
    );
  }
  return id;
}

export async function listAlertStates(q: Queryable): Promise<StoredAlertState[]> {
  const result = await q.query<StateRow>("SELECT * FROM alert_state ORDER BY rule");
  return result.rows.map(toState);
}

interface HistoryRow {
  id: string;
  rule: string;
  kind: AlertTransition;
  severity: Severity | null;
  value: number | null;
  threshold: number | null;
  summary: string;
  details: Record<string, unknown>;
  at: Date;
}

const toEntry = (row: HistoryRow): AlertHistoryEntry => ({
  id: Number(row.id),
  rule: row.rule,
  kind: row.kind,
  severity: row.severity,
  value: row.value,
  threshold: row.threshold,
  summary: row.summary,
  details: row.details,
  at: row.at,
});

/** History, newest first, keyset-paged on (at, id). */
export async function listAlertHistory(
  q: Queryable,
  params: { limit: number; after?: { at: string; id: number } | undefined; rule?: string | undefined },
): Promise<AlertHistoryEntry[]> {
  const result = await q.query<HistoryRow>(
    `SELECT * FROM alert_history
      WHERE ($1::timestamptz IS NULL OR (at, id) < ($1::timestamptz, $2::bigint))
        AND ($3::text IS NULL OR rule = $3)
      ORDER BY at DESC, id DESC LIMIT $4`,
    [params.after?.at ?? null, params.after?.id ?? null, params.rule ?? null, params.limit],
  );
  return result.rows.map(toEntry);
}

export interface DueNotification {
  id: number;
  channel: AlertChannel;
  attempts: number;
  entry: AlertHistoryEntry;
}

/** Pending notifications that are due, oldest first, locked for the caller's transaction. */
export async function claimDueNotifications(
  q: Queryable,
  now: Date,
  limit: number,
): Promise<DueNotification[]> {
  const result = await q.query<
    HistoryRow & { notification_id: string; channel: AlertChannel; attempts: number }
  >(
    `SELECT n.id AS notification_id, n.channel, n.attempts, h.*
       FROM alert_notifications n JOIN alert_history h ON h.id = n.history_id
      WHERE n.status = 'pending' AND n.next_attempt_at <= $1
      ORDER BY n.next_attempt_at, n.id LIMIT $2 FOR UPDATE OF n SKIP LOCKED`,
    [now.toISOString(), limit],
  );
  return result.rows.map((row) => ({
    id: Number(row.notification_id),
    channel: row.channel,
    attempts: row.attempts,
    entry: toEntry(row),
  }));
}

export async function markNotification(
  q: Queryable,
  params: { id: number; outcome: "sent" | "retry" | "failed"; error?: string; retryAt?: Date; now: Date },
): Promise<void> {
  await q.query(
    `UPDATE alert_notifications SET attempts = attempts + 1,
            status = CASE $2 WHEN 'retry' THEN 'pending' ELSE $2 END,
            sent_at = CASE $2 WHEN 'sent' THEN $3::timestamptz ELSE NULL END,
            next_attempt_at = COALESCE($4::timestamptz, next_attempt_at), last_error = $5
      WHERE id = $1`,
    [
      params.id,
      params.outcome,
      params.now.toISOString(),
      params.retryAt?.toISOString() ?? null,
      params.error ?? null,
    ],
  );
}

export interface NotificationRecord {
  channel: AlertChannel;
  status: "pending" | "sent" | "failed";
  attempts: number;
  lastError: string | null;
}

/** Each channel's delivery of one history entry (for the admin API). */
export async function notificationsFor(
  q: Queryable,
  historyIds: readonly number[],
): Promise<Map<number, NotificationRecord[]>> {
  const result = await q.query<{
    history_id: string;
    channel: AlertChannel;
    status: "pending" | "sent" | "failed";
    attempts: number;
    last_error: string | null;
  }>(
    `SELECT history_id, channel, status, attempts, last_error FROM alert_notifications
      WHERE history_id = ANY($1::bigint[]) ORDER BY id`,
    [historyIds],
  );
  const byEntry = new Map<number, NotificationRecord[]>();
  for (const row of result.rows) {
    const id = Number(row.history_id);
    const list = byEntry.get(id) ?? [];
    list.push({
      channel: row.channel,
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
    });
    byEntry.set(id, list);
  }
  return byEntry;
}
