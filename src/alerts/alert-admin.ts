import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database, Queryable } from "../db/database.js";
import { createKeysetCursor } from "../db/keyset-cursor.js";
import {
  countHeldMessages,
  readSendingPause,
  resumeSending,
  type SendingPause,
} from "../email/outbox/sending-pause-store.js";
import {
  type AlertHistoryEntry,
  listAlertHistory,
  listAlertStates,
  type NotificationRecord,
  notificationsFor,
  type StoredAlertState,
} from "./alert-store.js";

const HISTORY_CURSOR = createKeysetCursor("timestamp", "int");

export interface SendingStatus extends SendingPause {
  /** Non-transactional messages queued and held by the pause (0 when not paused). */
  held: number;
}

export async function sendingStatus(q: Queryable): Promise<SendingStatus> {
  const [pause, held] = await Promise.all([readSendingPause(q), countHeldMessages(q)]);
  return { ...pause, held };
}

/** Every rule's current state and the sending pause: what `GET /v1/admin/alerts` answers. */
export async function alertOverview(
  q: Queryable,
): Promise<{ alerts: StoredAlertState[]; sending: SendingStatus }> {
  const [alerts, sending] = await Promise.all([listAlertStates(q), sendingStatus(q)]);
  return { alerts, sending };
}

export async function alertHistoryPage(
  q: Queryable,
  params: { limit: number; cursor?: string | undefined; rule?: string | undefined },
): Promise<{
  data: Array<AlertHistoryEntry & { notifications: NotificationRecord[] }>;
  nextCursor: string | null;
}> {
  const after = params.cursor === undefined ? undefined : HISTORY_CURSOR.decode(params.cursor);
  const rows = await listAlertHistory(q, {
    limit: params.limit + 1,
    after: after ? { at: after[0], id: after[1] } : undefined,
    rule: params.rule,
  });
  const page = rows.slice(0, params.limit);
  const notifications = await notificationsFor(
    q,
    page.map((entry) => entry.id),
  );
  const last = page[page.length - 1];
  return {
    data: page.map((entry) => ({ ...entry, notifications: notifications.get(entry.id) ?? [] })),
    nextCursor: rows.length > params.limit && last ? HISTORY_CURSOR.encode(last.at, last.id) : null,
  };
}

/**
 * An admin's resume: lifts the pause and wakes the delivery loops; the held mail goes out in its queue order. The
 * audit entry (`sending.resumed`) commits with the change. Returns the lifted pause, or undefined when sending was
 * not paused (nothing changed, nothing recorded).
 */
export async function resumeSendingAsAdmin(
  db: Database,
  params: { audit: AuditContext; now: Date },
): Promise<SendingPause | undefined> {
  const actor = params.audit.actor;
  const by = actor.type === "system" ? actor.name : `${actor.type}:${actor.id}`;
  return db.transaction(async (tx) => {
    const lifted = await resumeSending(tx, { by, at: params.now });
    if (lifted) {
      await recordAudit(tx, params.audit, {
        action: "sending.resumed",
        targetType: "sending",
        targetId: null,
        before: {
          pausedAt: lifted.pausedAt?.toISOString() ?? null,
          reason: lifted.reason,
          pausedBy: lifted.pausedBy,
        },
        after: { pausedAt: null, resumedBy: by },
      });
    }
    return lifted;
  });
}
