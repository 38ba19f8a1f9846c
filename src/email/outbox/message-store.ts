import type { Queryable } from "../../db/database.js";

export const MESSAGE_STATUSES = ["queued", "sending", "sent", "failed", "suppressed", "skipped"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface NewMessage {
  toEmail: string;
  fromEmail?: string | null | undefined;
  userId?: string | null | undefined;
  template: string;
  subject: string;
  category: string;
  props: Record<string, unknown>;
  journeyId?: string | null | undefined;
  journeyName?: string | null | undefined;
  runId?: string | null | undefined;
  runPosition?: number | null | undefined;
  idempotencyKey?: string | null | undefined;
  /** Hash of the transactional request that carried `idempotencyKey` (`sendRequestFingerprint`). */
  idempotencyFingerprint?: string | null | undefined;
  /** `skipped` records a send that was decided against before it was queued (suppress window). */
  status?: "queued" | "skipped";
  statusReason?: string | null | undefined;
  /** The engine clock inside journeys, so windows and history agree with virtual time in tests. */
  createdAt?: Date | undefined;
}

export interface InsertedMessage {
  id: string;
  status: MessageStatus;
  /** False when an idempotency key or (run, position) matched an existing row. */
  created: boolean;
  /** The stored row's request fingerprint: the new one when created, the first request's otherwise. */
  idempotencyFingerprint: string | null;
}

/**
 * Adds a message to the outbox. Idempotent on `idempotencyKey` and on (run, position): the second insert returns
 * the first row instead of queueing the email twice.
 */
export async function insertMessage(q: Queryable, message: NewMessage): Promise<InsertedMessage> {
  const result = await q.query<InsertedRow>(
    `WITH inserted AS (
       INSERT INTO messages (to_email, from_email, user_id, template, subject, category, props, journey_id,
                             journey_name, run_id, run_position, idempotency_key, status, status_reason,
                             created_at, next_attempt_at, idempotency_fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, COALESCE($15, now()), now(), $16)
       ON CONFLICT DO NOTHING
       RETURNING id, status, true AS created, idempotency_fingerprint)
     SELECT * FROM inserted
     UNION ALL
     SELECT id, status, false, idempotency_fingerprint FROM messages
      WHERE ($12::text IS NOT NULL AND idempotency_key = $12)
         OR ($10::uuid IS NOT NULL AND run_id = $10 AND run_position = $11)
     LIMIT 1`,
    [
      message.toEmail,
      message.fromEmail ?? null,
      message.userId ?? null,
      message.template,
      message.subject,
      message.category,
      JSON.stringify(message.props),
      message.journeyId ?? null,
      message.journeyName ?? null,
      message.runId ?? null,
      message.runPosition ?? null,
      message.idempotencyKey ?? null,
      message.status ?? "queued",
      message.statusReason ?? null,
      message.createdAt ?? null,
      message.idempotencyFingerprint ?? null,
    ],
  );
  const row = result.rows[0];
  if (row) return toInserted(row);
  // A concurrent insert with the same key committed after this statement's snapshot: read it now.
  const existing = await q.query<InsertedRow>(
    `SELECT id, status, false AS created, idempotency_fingerprint FROM messages
      WHERE ($1::text IS NOT NULL AND idempotency_key = $1) OR ($2::uuid IS NOT NULL AND run_id = $2 AND run_position = $3)
      LIMIT 1`,
    [message.idempotencyKey ?? null, message.runId ?? null, message.runPosition ?? null],
  );
  const found = existing.rows[0];
  if (!found) throw new Error("insertMessage: neither inserted nor found");
  return toInserted(found);
}

interface InsertedRow {
  id: string;
  status: MessageStatus;
  created: boolean;
  idempotency_fingerprint: string | null;
}

const toInserted = (row: InsertedRow): InsertedMessage => ({
  id: row.id,
  status: row.status,
  created: row.created,
  idempotencyFingerprint: row.idempotency_fingerprint,
});

/**
 * When this journey last emailed this user (queued or sent, not skipped or refused): the journey's `suppress`
 * window is measured from it.
 */
export async function lastJourneySendAt(
  q: Queryable,
  params: { journeyId: string; userId: string },
): Promise<Date | null> {
  const result = await q.query<{ last: Date | null }>(
    `SELECT max(created_at) AS last FROM messages
      WHERE journey_id = $1 AND user_id = $2 AND status IN ('queued', 'sending', 'sent')`,
    [params.journeyId, params.userId],
  );
  return result.rows[0]?.last ?? null;
}

export interface ClaimedMessage {
  id: string;
  toEmail: string;
  fromEmail: string | null;
  userId: string | null;
  template: string;
  subject: string;
  category: string | null;
  props: Record<string, unknown>;
  attempts: number;
}

/**
 * Takes up to `limit` due messages for delivery: status `sending`, leased to `owner` until the lease expires.
 * SKIP LOCKED lets any number of workers claim side by side without waiting on each other. While sending is
 * paused (the reputation guard) only transactional messages are claimed: the pause is read in this statement, so
 * every worker honours it from its next claim on.
 */
export async function claimMessages(
  q: Queryable,
  params: { owner: string; leaseMs: number; limit: number; now: Date },
): Promise<ClaimedMessage[]> {
  const result = await q.query<{
    id: string;
    to_email: string;
    from_email: string | null;
    user_id: string | null;
    template: string;
    subject: string;
    category: string | null;
    props: Record<string, unknown>;
    attempts: number;
  }>(
    `UPDATE messages m
        SET status = 'sending', lease_owner = $1, lease_expires_at = $4::timestamptz + $2 * interval '1 millisecond',
            attempts = m.attempts + 1, updated_at = $4
       FROM (SELECT id FROM (
               SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= $4
                  AND NOT (SELECT paused_at IS NOT NULL FROM sending_pause)
                ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) open
             UNION ALL
             -- Paused by the reputation guard (sending-pause-store.ts): transactional mail only; the rest stays queued.
             SELECT id FROM (
               SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= $4 AND category = 'transactional'
                  AND (SELECT paused_at IS NOT NULL FROM sending_pause)
                ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) held) due
      WHERE m.id = due.id
      RETURNING m.id, m.to_email, m.from_email, m.user_id, m.template, m.subject, m.category, m.props, m.attempts`,
    [params.owner, params.leaseMs, params.limit, params.now.toISOString()],
  );
  return result.rows.map((row) => ({
    id: row.id,
    toEmail: row.to_email,
    fromEmail: row.from_email,
    userId: row.user_id,
    template: row.template,
    subject: row.subject,
    category: row.category,
    props: row.props,
    attempts: row.attempts,
  }));
}

/**
 * Puts messages whose worker died mid-send back in the queue. They go out again with the same id, which is
 * Resend's idempotency key and everyone's Message-ID. Returns how many were released.
 */
export async function releaseExpiredLeases(q: Queryable, now: Date): Promise<number> {
  const result = await q.query(
    `UPDATE messages SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1,
            last_error = COALESCE(last_error, 'lease expired: the delivering worker stopped')
      WHERE id IN (SELECT id FROM messages WHERE status = 'sending' AND lease_expires_at < $1
                    ORDER BY lease_expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`,
    [now.toISOString()],
  );
  return result.rowCount ?? 0;
}

/**
 * Renews the lease of every message this worker is still sending. Returns how many it renewed. SKIP LOCKED: a row
 * locked right now is having its outcome recorded (which ends its lease anyway), and waiting for it deadlocked
 * against a batch of outcomes locking the same rows in another order (seen draining a 1M-recipient broadcast).
 */
export async function extendLeases(
  q: Queryable,
  params: { owner: string; leaseMs: number; now: Date },
): Promise<number> {
  const result = await q.query(
    `UPDATE messages SET lease_expires_at = $3::timestamptz + $2 * interval '1 millisecond'
      WHERE id IN (SELECT id FROM messages WHERE lease_owner = $1 AND status = 'sending'
                    ORDER BY id FOR UPDATE SKIP LOCKED)`,
    [params.owner, params.leaseMs, params.now.toISOString()],
  );
  return result.rowCount ?? 0;
}

/** Seconds until the earliest queued message is due (for the loop's sleep), or null when none is waiting. */
export async function nextDueInMs(q: Queryable, now: Date): Promise<number | null> {
  const result = await q.query<{ ms: number | null }>(
    // Two gated minimums, each on its partial index: one OR over both would scan every message a pause holds.
    `SELECT (extract(epoch FROM LEAST(
        (SELECT min(next_attempt_at) FROM messages
          WHERE status = 'queued' AND NOT (SELECT paused_at IS NOT NULL FROM sending_pause)),
        (SELECT min(next_attempt_at) FROM messages
          WHERE status = 'queued' AND category = 'transactional' AND (SELECT paused_at IS NOT NULL FROM sending_pause))
      ) - $1::timestamptz) * 1000)::float8 AS ms`,
    [now.toISOString()],
  );
  const ms = result.rows[0]?.ms;
  return ms === null || ms === undefined ? null : Math.max(0, ms);
}

export type DeliveryOutcome =
  | {
      kind: "sent";
      id: string;
      provider: string;
      providerMessageId: string;
      headers: Record<string, string>;
      html: string;
      text: string;
    }
  | { kind: "retry"; id: string; delayMs: number; error: string }
  | { kind: "failed"; id: string; error: string }
  | { kind: "refused"; id: string; status: "suppressed" | "skipped"; reason: string };

/**
 * Records delivery outcomes in one statement per kind. Fenced on the lease: a worker that lost its lease (it was
 * presumed dead and another took the message) records nothing. Returns how many rows it changed.
 */
export async function recordOutcomes(
  q: Queryable,
  owner: string,
  outcomes: readonly DeliveryOutcome[],
  now: Date,
): Promise<number> {
  const at = now.toISOString();
  let changed = 0;
  const sent = outcomes.filter((o) => o.kind === "sent");
  if (sent.length > 0) {
    const result = await q.query(
      `UPDATE messages m SET status = 'sent', provider = t.provider, provider_message_id = t.pid,
              headers = t.headers, html = t.html, text_body = t.text, sent_at = $8, updated_at = $8,
              lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::text[])
           AS t(id, provider, pid, headers, html, text)
        WHERE m.id = t.id AND m.status = 'sending' AND m.lease_owner = $1`,
      [
        owner,
        sent.map((o) => o.id),
        sent.map((o) => o.provider),
        sent.map((o) => o.providerMessageId),
        sent.map((o) => JSON.stringify(o.headers)),
        sent.map((o) => o.html),
        sent.map((o) => o.text),
        at,
      ],
    );
    changed += result.rowCount ?? 0;
  }
  const retries = outcomes.filter((o) => o.kind === "retry");
  if (retries.length > 0) {
    const result = await q.query(
      `UPDATE messages m SET status = 'queued', next_attempt_at = $5::timestamptz + t.delay * interval '1 millisecond',
              last_error = t.error, lease_owner = NULL, lease_expires_at = NULL, updated_at = $5
         FROM unnest($2::uuid[], $3::float8[], $4::text[]) AS t(id, delay, error)
        WHERE m.id = t.id AND m.status = 'sending' AND m.lease_owner = $1`,
      [owner, retries.map((o) => o.id), retries.map((o) => o.delayMs), retries.map((o) => o.error), at],
    );
    changed += result.rowCount ?? 0;
  }
  const ended = outcomes.filter((o) => o.kind === "failed" || o.kind === "refused");
  if (ended.length > 0) {
    const result = await q.query(
      `UPDATE messages m SET status = t.status, status_reason = t.reason,
              last_error = CASE WHEN t.status = 'failed' THEN t.reason ELSE m.last_error END,
              lease_owner = NULL, lease_expires_at = NULL, updated_at = $5
         FROM unnest($2::uuid[], $3::text[], $4::text[]) AS t(id, status, reason)
        WHERE m.id = t.id AND m.status = 'sending' AND m.lease_owner = $1`,
      [
        owner,
        ended.map((o) => o.id),
        ended.map((o) => (o.kind === "failed" ? "failed" : o.kind === "refused" ? o.status : "failed")),
        ended.map((o) => (o.kind === "failed" ? o.error : o.kind === "refused" ? o.reason : "")),
        at,
      ],
    );
    changed += result.rowCount ?? 0;
  }
  return changed;
}

/** The address a message went to, or undefined when there is no such message (a malformed id names none). */
export async function findMessageRecipient(q: Queryable, messageId: string): Promise<string | undefined> {
  const found = await q.query<{ to_email: string }>("SELECT to_email FROM messages WHERE id = $1::uuid", [
    messageId,
  ]);
  return found.rows[0]?.to_email;
}

/**
 * Deletes the messages to a user or to any of their (lower-cased) addresses, and the delivery events recorded for
 * those addresses (GDPR erase); returns how many messages.
 */
export async function deleteRecipientMessages(
  q: Queryable,
  userId: string,
  emails: readonly string[],
): Promise<number> {
  const result = await q.query(
    "DELETE FROM messages WHERE user_id = $1 OR lower(to_email) = ANY($2::text[])",
    [userId, emails],
  );
  await q.query("DELETE FROM message_events WHERE email = ANY($1::text[])", [emails]);
  return result.rowCount ?? 0;
}

/** Outbox depth for metrics and health: unsettled messages by status, and how long the most overdue has waited. */
export async function outboxStats(
  q: Queryable,
  now: Date,
): Promise<{ queued: number; sending: number; oldestDueAt: Date | null }> {
  const { rows } = await q.query<{ queued: number; sending: number; oldest: Date | null }>(
    `SELECT (SELECT count(*)::int FROM messages WHERE status = 'queued') AS queued,
            (SELECT count(*)::int FROM messages WHERE status = 'sending') AS sending,
            (SELECT min(next_attempt_at) FROM messages WHERE status = 'queued' AND next_attempt_at <= $1) AS oldest`,
    [now],
  );
  const row = rows[0];
  return { queued: row?.queued ?? 0, sending: row?.sending ?? 0, oldestDueAt: row?.oldest ?? null };
}

/** One row of a batch insert (a broadcast's chunk): always with an idempotency key. */
export interface NewKeyedMessage {
  toEmail: string;
  userId: string;
  template: string;
  subject: string;
  category: string;
  props: Record<string, unknown>;
  idempotencyKey: string;
  status: "queued" | "skipped";
  statusReason: string | null;
}

/**
 * Adds a batch of messages in one statement, idempotent per row on its key: a row whose key exists (an earlier
 * attempt at the same chunk that committed) is not inserted again, and the existing message comes back instead.
 * Returns each key's message.
 */
export async function insertKeyedMessages(
  q: Queryable,
  rows: readonly NewKeyedMessage[],
): Promise<Map<string, { id: string; status: MessageStatus; created: boolean }>> {
  const found = new Map<string, { id: string; status: MessageStatus; created: boolean }>();
  if (rows.length === 0) return found;
  const col = <K extends keyof NewKeyedMessage>(key: K) => rows.map((row) => row[key]);
  const inserted = await q.query<{ id: string; idempotency_key: string; status: MessageStatus }>(
    `INSERT INTO messages (to_email, user_id, template, subject, category, props, idempotency_key, status,
                           status_reason, next_attempt_at)
     SELECT t.to_email, t.user_id, t.template, t.subject, t.category, t.props, t.key, t.status, t.reason, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[],
                   $9::text[]) AS t(to_email, user_id, template, subject, category, props, key, status, reason)
     ON CONFLICT DO NOTHING
     RETURNING id, idempotency_key, status`,
    [
      col("toEmail"),
      col("userId"),
      col("template"),
      col("subject"),
      col("category"),
      rows.map((row) => JSON.stringify(row.props)),
      col("idempotencyKey"),
      col("status"),
      col("statusReason"),
    ],
  );
  for (const row of inserted.rows) {
    found.set(row.idempotency_key, { id: row.id, status: row.status, created: true });
  }
  const missing = rows.map((row) => row.idempotencyKey).filter((key) => !found.has(key));
  if (missing.length > 0) {
    const existing = await q.query<{ id: string; idempotency_key: string; status: MessageStatus }>(
      "SELECT id, idempotency_key, status FROM messages WHERE idempotency_key = ANY($1::text[])",
      [missing],
    );
    for (const row of existing.rows) {
      found.set(row.idempotency_key, { id: row.id, status: row.status, created: false });
    }
  }
  return found;
}

/**
 * Takes still-queued messages out of the queue (status `skipped` with `reason`): what was not handed to a
 * provider yet does not go. A message already claimed (`sending`) or sent is left as it is. Returns how many.
 */
export async function skipQueuedMessages(
  q: Queryable,
  ids: readonly string[],
  reason: string,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await q.query(
    `UPDATE messages SET status = 'skipped', status_reason = $2, updated_at = now()
      WHERE id = ANY($1::uuid[]) AND status = 'queued'`,
    [ids, reason],
  );
  return result.rowCount ?? 0;
}
