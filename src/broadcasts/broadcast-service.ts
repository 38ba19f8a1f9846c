import { randomUUID } from "node:crypto";
import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database, Queryable } from "../db/database.js";
import { skipQueuedMessages } from "../email/outbox/message-store.js";
import { TRANSACTIONAL_CATEGORY } from "../email/suppression/check-deliverability.js";
import type { TemplateRegistry } from "../email/templates/template-registry.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { SendWindow } from "../journeys/journey-types.js";
import { type AudiencePreview, previewAudience } from "./audience-preview.js";
import type { Audience } from "./audience-schema.js";
import { type CreateBroadcastInput, createBroadcastSchema } from "./broadcast-input.js";
import { type BroadcastStats, readBroadcastStats } from "./broadcast-stats-store.js";
import {
  type Broadcast,
  type BroadcastStatus,
  cancelBroadcastRow,
  getBroadcast,
  insertBroadcast,
  listBroadcasts,
  scheduleBroadcastRow,
} from "./broadcast-store.js";
import { queuedRecipientMessages } from "./recipient-store.js";

/** The status reason of a broadcast's queued message taken out of the outbox by a cancel. */
export const BROADCAST_CANCELLED_REASON = "broadcast_cancelled";

export type BroadcastWithStats = Broadcast & { stats: BroadcastStats };

/**
 * Checks a new broadcast against the project (the template exists, the category is known and not transactional —
 * a broadcast must honour unsubscribes) and stores it as a draft, audited in the same transaction. Bad input is a
 * 400 naming the field, and nothing is stored.
 */
export async function createBroadcast(
  db: Database,
  templates: TemplateRegistry,
  input: CreateBroadcastInput,
  audit: AuditContext,
): Promise<BroadcastWithStats> {
  const parsed = createBroadcastSchema.safeParse(input);
  if (!parsed.success) {
    throw invalid(
      "Invalid broadcast",
      parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    );
  }
  const body = parsed.data;
  if (!templates.has(body.template)) {
    throw invalid(`Unknown template "${body.template}"`, [
      { path: "template", message: "not a template of this project" },
    ]);
  }
  const template = templates.get(body.template);
  if (body.subject === undefined && template.subject === undefined) {
    throw invalid(`Template "${body.template}" declares no subject: give the broadcast one`, [
      { path: "subject", message: "Required (the template has no subject)" },
    ]);
  }
  const category = body.category ?? template.category;
  checkCategory(templates, category, "category");
  body.audience.conditions.forEach((condition, i) => {
    if (condition.type === "subscribed") {
      checkCategory(templates, condition.category, `audience.conditions.${i}.category`);
    }
  });
  return db.transaction(async (tx) => {
    const created = await insertBroadcast(tx, {
      id: randomUUID(),
      name: body.name,
      template: body.template,
      subject: body.subject ?? null,
      props: body.props ?? {},
      category,
      audience: body.audience as Audience,
      sendWindow: (body.sendWindow as SendWindow | undefined) ?? null,
      ratePerSecond: body.ratePerSecond ?? null,
    });
    await recordAudit(tx, audit, {
      action: "broadcast.created",
      targetType: "broadcast",
      targetId: created.id,
      after: auditView(created),
    });
    return withEmptyStats(tx, created);
  });
}

/** Schedules a draft (or moves a scheduled broadcast) to `at`; a time in the past means now. */
export async function scheduleBroadcast(
  db: Database,
  id: string,
  at: Date,
  audit: AuditContext,
  action: "broadcast.scheduled" | "broadcast.send_requested" = "broadcast.scheduled",
): Promise<BroadcastWithStats> {
  return db.transaction(async (tx) => {
    const before = await mustGet(tx, id);
    if (before.status !== "draft" && before.status !== "scheduled") {
      throw conflict(before, "only a draft or scheduled broadcast can be scheduled or sent");
    }
    const after = await scheduleBroadcastRow(tx, id, at);
    await recordAudit(tx, audit, {
      action,
      targetType: "broadcast",
      targetId: id,
      before: { status: before.status, scheduledAt: before.scheduledAt?.toISOString() ?? null },
      after: { status: after.status, scheduledAt: after.scheduledAt?.toISOString() ?? null },
    });
    return withEmptyStats(tx, after);
  });
}

/**
 * Cancels a broadcast: what has not gone yet stops. The row lock waits for the chunk a worker has in hand, after
 * which no worker enqueues more; the recipients' messages still queued in the outbox are taken out (skipped,
 * reason `broadcast_cancelled`) in the same transaction. Mail a worker already handed to the provider is gone.
 */
export async function cancelBroadcast(
  db: Database,
  id: string,
  now: Date,
  audit: AuditContext,
): Promise<BroadcastWithStats & { unqueued: number }> {
  return db.transaction(async (tx) => {
    const before = await mustGet(tx, id);
    if (before.status === "sent" || before.status === "cancelled") {
      throw conflict(before, "it has already finished");
    }
    const after = await cancelBroadcastRow(tx, id, now);
    let unqueued = 0;
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page = await queuedRecipientMessages(tx, { broadcastId: id, after: cursor, limit: 5_000 });
      unqueued += await skipQueuedMessages(tx, page.messageIds, BROADCAST_CANCELLED_REASON);
      cursor = page.last;
    }
    await recordAudit(tx, audit, {
      action: "broadcast.cancelled",
      targetType: "broadcast",
      targetId: id,
      before: { status: before.status },
      after: { status: after.status, unqueuedMessages: unqueued },
    });
    const stats = await readBroadcastStats(tx, [id]);
    return { ...after, stats: stats.get(id) as BroadcastStats, unqueued };
  });
}

export async function getBroadcastWithStats(
  q: Queryable,
  id: string,
): Promise<BroadcastWithStats | undefined> {
  const broadcast = await getBroadcast(q, id);
  if (!broadcast) return undefined;
  const stats = await readBroadcastStats(q, [id]);
  return { ...publicView(broadcast), stats: stats.get(id) as BroadcastStats };
}

export async function listBroadcastsWithStats(
  q: Queryable,
  params: { status?: BroadcastStatus | undefined; cursor?: string | undefined; limit: number },
): Promise<{ broadcasts: BroadcastWithStats[]; nextCursor: string | null }> {
  const page = await listBroadcasts(q, params);
  const stats = await readBroadcastStats(
    q,
    page.broadcasts.map((b) => b.id),
  );
  return {
    broadcasts: page.broadcasts.map((b) => ({ ...publicView(b), stats: stats.get(b.id) as BroadcastStats })),
    nextCursor: page.nextCursor,
  };
}

/** The audience of a stored broadcast, counted and sampled now. */
export async function previewBroadcast(
  q: Queryable,
  id: string,
  now: Date,
  sampleSize: number,
): Promise<AudiencePreview> {
  const broadcast = await mustGet(q, id);
  return previewAudience(q, {
    audience: broadcast.audience,
    category: broadcast.category,
    now,
    sampleSize,
  });
}

/** An audience before any broadcast exists (Studio's live count while composing). */
export async function previewAudienceFor(
  q: Queryable,
  templates: TemplateRegistry,
  params: { audience: Audience; category: string; now: Date; sampleSize: number },
): Promise<AudiencePreview> {
  checkCategory(templates, params.category, "category");
  return previewAudience(q, params);
}

function checkCategory(templates: TemplateRegistry, category: string, path: string): void {
  if (!templates.categories.includes(category)) {
    throw invalid(`Unknown category "${category}"`, [
      { path, message: `not one of ${templates.categories.join(", ")}` },
    ]);
  }
  if (category === TRANSACTIONAL_CATEGORY && path === "category") {
    throw invalid("A broadcast cannot be transactional: it must honour unsubscribes", [
      { path, message: "use a non-transactional category (product, marketing, …)" },
    ]);
  }
}

async function mustGet(q: Queryable, id: string) {
  const broadcast = await getBroadcast(q, id, { lock: true });
  if (!broadcast) throw new HogsendError(ErrorCodes.NOT_FOUND, `No broadcast ${id}`);
  return broadcast;
}

async function withEmptyStats(q: Queryable, b: Broadcast): Promise<BroadcastWithStats> {
  const stats = await readBroadcastStats(q, [b.id]);
  return { ...publicView(b), stats: stats.get(b.id) as BroadcastStats };
}

/** The stored broadcast without the loop's bookkeeping (cursors). */
function publicView(b: Broadcast): Broadcast {
  return {
    id: b.id,
    name: b.name,
    template: b.template,
    subject: b.subject,
    props: b.props,
    category: b.category,
    audience: b.audience,
    sendWindow: b.sendWindow,
    ratePerSecond: b.ratePerSecond,
    status: b.status,
    scheduledAt: b.scheduledAt,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    startedAt: b.startedAt,
    completedAt: b.completedAt,
    cancelledAt: b.cancelledAt,
  };
}

function auditView(b: Broadcast): Record<string, unknown> {
  return {
    name: b.name,
    template: b.template,
    subject: b.subject,
    category: b.category,
    audience: b.audience,
    sendWindow: b.sendWindow,
    ratePerSecond: b.ratePerSecond,
  };
}

function invalid(message: string, details: Array<{ path: string; message: string }>): HogsendError {
  return new HogsendError(ErrorCodes.VALIDATION_FAILED, message, { details });
}

function conflict(b: Broadcast, why: string): HogsendError {
  return new HogsendError(ErrorCodes.CONFLICT, `Broadcast ${b.id} is ${b.status}: ${why}`);
}
