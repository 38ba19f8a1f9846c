import type { Queryable } from "../../db/database.js";
import { createKeysetCursor } from "../../db/keyset-cursor.js";
import { isUuid } from "../../lib/input-guard/index.js";
import type { MessageStatus } from "./message-store.js";

export interface MessageSummary {
  id: string;
  to: string;
  userId: string | null;
  template: string;
  subject: string;
  category: string | null;
  status: MessageStatus;
  statusReason: string | null;
  journeyId: string | null;
  journeyName: string | null;
  runId: string | null;
  provider: string | null;
  providerMessageId: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  events: Array<{
    type: string;
    bounceKind: string | null;
    source: string;
    occurredAt: string;
    details: unknown;
  }>;
}

export interface MessageDetail extends MessageSummary {
  from: string | null;
  props: Record<string, unknown>;
  headers: Record<string, string> | null;
  html: string | null;
  text: string | null;
}

export interface MessageFilters {
  userId?: string | undefined;
  email?: string | undefined;
  template?: string | undefined;
  status?: MessageStatus | undefined;
  journeyId?: string | undefined;
  /** Created at or after. */
  from?: Date | undefined;
  /** Created before. */
  until?: Date | undefined;
  /** Opaque cursor from a previous page. */
  cursor?: string | undefined;
  limit: number;
}

const MESSAGE_CURSOR = createKeysetCursor("timestamp", "uuid");

const MAILBOX_CURSOR = createKeysetCursor("int");

const SUMMARY_COLUMNS = `m.id, m.to_email, m.user_id, m.template, m.subject, m.category, m.status, m.status_reason,
  m.journey_id, m.journey_name, m.run_id, m.provider, m.provider_message_id, m.attempts, m.next_attempt_at,
  m.last_error, m.created_at, m.sent_at,
  COALESCE((SELECT json_agg(json_build_object('type', e.type, 'bounceKind', e.bounce_kind, 'source', e.source,
             'occurredAt', e.occurred_at, 'details', e.details) ORDER BY e.occurred_at, e.id)
            FROM message_events e WHERE e.message_id = m.id), '[]'::json) AS events`;

/** Messages newest first, filtered by user, address, template and status, keyset-paginated. */
export async function listMessages(
  q: Queryable,
  filters: MessageFilters,
): Promise<{ data: MessageSummary[]; nextCursor: string | null }> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace("?", `$${values.length}`));
  };
  if (filters.userId !== undefined) add("m.user_id = ?", filters.userId);
  if (filters.email !== undefined) add("lower(m.to_email) = lower(?)", filters.email);
  if (filters.template !== undefined) add("m.template = ?", filters.template);
  if (filters.status !== undefined) add("m.status = ?", filters.status);
  if (filters.journeyId !== undefined) add("m.journey_id = ?", filters.journeyId);
  if (filters.from !== undefined) add("m.created_at >= ?", filters.from.toISOString());
  if (filters.until !== undefined) add("m.created_at < ?", filters.until.toISOString());
  if (filters.cursor) {
    values.push(...MESSAGE_CURSOR.decode(filters.cursor));
    where.push(`(m.created_at, m.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(filters.limit + 1);
  const result = await q.query(
    `SELECT ${SUMMARY_COLUMNS} FROM messages m
      ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY m.created_at DESC, m.id DESC LIMIT $${values.length}`,
    values,
  );
  const rows = result.rows.slice(0, filters.limit);
  const last = rows.at(-1);
  return {
    data: rows.map(toSummary),
    nextCursor:
      result.rows.length > filters.limit && last
        ? MESSAGE_CURSOR.encode(last.created_at as Date, last.id as string)
        : null,
  };
}

/** One message with its events and, once handed to a provider, exactly what was sent. */
export async function getMessage(q: Queryable, id: string): Promise<MessageDetail | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await q.query(
    `SELECT ${SUMMARY_COLUMNS}, m.from_email, m.props, m.headers, m.html, m.text_body FROM messages m WHERE m.id = $1`,
    [id],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    ...toSummary(row),
    from: row.from_email,
    props: row.props,
    headers: row.headers,
    html: row.html,
    text: row.text_body,
  };
}

export interface CapturedEmail {
  id: number;
  messageId: string;
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  capturedAt: string;
}

/** The capture provider's mailbox, newest first. */
export async function listCapturedEmails(
  q: Queryable,
  params: { to?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ data: CapturedEmail[]; nextCursor: string | null }> {
  const beforeId = params.cursor === undefined ? null : MAILBOX_CURSOR.decode(params.cursor)[0];
  const result = await q.query(
    `SELECT id, message_id, to_email, from_email, subject, html, text_body, headers, captured_at
       FROM captured_emails
      WHERE ($1::text IS NULL OR lower(to_email) = lower($1)) AND ($2::bigint IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [params.to ?? null, beforeId, params.limit + 1],
  );
  const rows = result.rows.slice(0, params.limit);
  const last = rows.at(-1);
  const data = rows.map(
    (row): CapturedEmail => ({
      id: row.id,
      messageId: row.message_id,
      to: row.to_email,
      from: row.from_email,
      subject: row.subject,
      html: row.html,
      text: row.text_body,
      headers: row.headers,
      capturedAt: (row.captured_at as Date).toISOString(),
    }),
  );
  return {
    data,
    nextCursor: result.rows.length > params.limit && last ? MAILBOX_CURSOR.encode(Number(last.id)) : null,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a raw pg row
function toSummary(row: any): MessageSummary {
  return {
    id: row.id,
    to: row.to_email,
    userId: row.user_id,
    template: row.template,
    subject: row.subject,
    category: row.category,
    status: row.status,
    statusReason: row.status_reason,
    journeyId: row.journey_id,
    journeyName: row.journey_name,
    runId: row.run_id,
    provider: row.provider,
    providerMessageId: row.provider_message_id,
    attempts: row.attempts,
    nextAttemptAt: row.status === "queued" ? iso(row.next_attempt_at) : null,
    lastError: row.last_error,
    createdAt: iso(row.created_at) ?? "",
    sentAt: iso(row.sent_at),
    events: row.events,
  };
}

function iso(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}

/** A user's most recent messages, newest first, in brief (the contact profile). */
export async function listUserMessageSummaries(
  q: Queryable,
  userId: string,
  limit: number,
): Promise<Array<{ id: string; template: string; subject: string; status: string; createdAt: Date }>> {
  const result = await q.query<{
    id: string;
    template: string;
    subject: string;
    status: string;
    created_at: Date;
  }>(
    `SELECT id, template, subject, status, created_at FROM messages
      WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2`,
    [userId, limit],
  );
  return result.rows.map((m) => ({
    id: m.id,
    template: m.template,
    subject: m.subject,
    status: m.status,
    createdAt: m.created_at,
  }));
}

/** Deletes what the capture provider stored for these (lower-cased) addresses. */
export async function deleteCapturedEmails(q: Queryable, emails: readonly string[]): Promise<void> {
  await q.query("DELETE FROM captured_emails WHERE lower(to_email) = ANY($1::text[])", [emails]);
}
