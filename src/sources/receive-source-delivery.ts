import { createHash } from "node:crypto";
import { userIdsByEmails } from "../contacts/contact-store.js";
import type { Database, Queryable } from "../db/database.js";
import { isHogsendError } from "../errors.js";
import { insertEvents } from "../events/event-store.js";
import type { NewEvent } from "../events/event-types.js";
import { addAliases, lockIdentities, resolveAliases } from "../events/user-alias-store.js";
import { validateIngestBody } from "../events/validate-ingest.js";
import type { Clock } from "../lib/clock.js";
import {
  formatJsonPath,
  isStorableText,
  toStorableText,
  unsafeJsonProblems,
} from "../lib/input-guard/index.js";
import {
  isSourceRejection,
  type SourceContext,
  type SourceDelivery,
  type SourceEvent,
  type WebhookRequest,
  type WebhookSource,
} from "./define-webhook-source.js";
import { resolvePendingReceipts } from "./resolve-pending-receipts.js";
import { claimReceipt, type PendingEvent } from "./source-receipt-store.js";

export type SourceAnswer =
  | { status: "unauthorized" }
  | { status: "processed"; accepted: number; duplicates: number }
  | { status: "duplicate" | "ignored" | "unresolved" }
  | { status: "rejected"; reason: string };

const PAYLOAD_LIMITS = { maxDepth: 32, maxChars: 1_048_576 };
const MAX_DELIVERY_ID = 200;
const MAX_REASON = 1_000;
// Stands for "not known yet" while an unresolved delivery's events are validated; never stored as a user.
const UNRESOLVED_USER = "unresolved";

/**
 * One inbound delivery: verify → parse and guard → map → in one transaction claim the receipt (dedupe on the
 * source's delivery id), merge aliases, resolve users through them, append the events with the ordinary
 * `insertEvents` (events + routing queue) → answer. The caller answers 2xx only after this resolved, i.e. after
 * the commit. A delivery that does not verify stores nothing; one that verifies but cannot be used is kept as a
 * `rejected` receipt with the reason (and answered 200, so the sender stops retrying).
 */
export async function receiveSourceDelivery(
  deps: { db: Database; clock: Clock },
  source: WebhookSource,
  request: WebhookRequest,
  /**
   * `false` for an API whose client is told about bad input (Segment's: 400) rather than a sender that would
   * retry anything but a 2xx: a rejection is then answered and nothing is stored.
   */
  options: { keepRejected?: boolean } = {},
): Promise<SourceAnswer> {
  if (source.verifyHeaders && !(await source.verifyHeaders(request.headers)))
    return { status: "unauthorized" };
  if (!(await source.verify(request))) return { status: "unauthorized" };
  const now = deps.clock.now();
  const fallbackId = request.headers["webhook-id"] ?? `sha256:${sha256(request.rawBody)}`;
  const reject = async (reason: string, deliveryId = fallbackId): Promise<SourceAnswer> => {
    const stored = toStorableText(reason, MAX_REASON);
    if (options.keepRejected === false) return { status: "rejected", reason: stored };
    await claimReceipt(deps.db, {
      source: source.id,
      deliveryId: storableId(deliveryId),
      status: "rejected",
      reason: stored,
      rawBody: toStorableText(request.rawBody),
      eventCount: 0,
      at: now,
    });
    return { status: "rejected", reason: stored };
  };

  let payload: unknown;
  try {
    payload = JSON.parse(request.rawBody);
  } catch {
    return reject("The body is not valid JSON");
  }
  const problem = unsafeJsonProblems(payload, PAYLOAD_LIMITS).next();
  if (!problem.done) return reject(`${formatJsonPath(problem.value.path)} ${problem.value.reason}`);

  let mapped: SourceDelivery;
  try {
    const result = await source.map(payload, lookupContext(deps.db, request));
    if (isSourceRejection(result)) return reject(result.rejected);
    mapped = result;
  } catch (error) {
    // A mapper's bug must not make the sender retry forever nor lose the delivery: it is kept, raw, as rejected.
    return reject(
      `The ${source.id} mapper failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof mapped.deliveryId !== "string" || mapped.deliveryId === "") {
    return reject("The mapper returned no deliveryId");
  }
  const deliveryId = storableId(mapped.deliveryId);
  const unresolved = mapped.unresolved;
  let events: NewEvent[];
  try {
    events = toNewEvents(source.id, mapped.events, unresolved !== undefined, now);
  } catch (error) {
    if (!isHogsendError(error)) throw error;
    return reject(describeProblems(error.details) ?? error.message, deliveryId);
  }
  const aliases = (mapped.aliases ?? []).filter(
    (a) => typeof a.alias === "string" && typeof a.userId === "string" && a.alias !== "" && a.userId !== "",
  );
  const rawBody = toStorableText(request.rawBody);

  return deps.db.transaction(async (tx) => {
    if (unresolved !== undefined && events.length > 0) {
      const id = await claimReceipt(tx, {
        source: source.id,
        deliveryId,
        status: "unresolved",
        reason: toStorableText(unresolved.reason, MAX_REASON),
        rawBody,
        eventCount: events.length,
        pending: events.map(toPending),
        lookupEmail: unresolved.email ?? null,
        lookupAlias: unresolved.alias ?? null,
        at: now,
      });
      if (id === undefined) return { status: "duplicate" as const };
      // The user may have appeared between the mapper's lookups and this transaction.
      await resolvePendingReceipts(tx, now, { onlyIds: [id] });
      return { status: "unresolved" as const };
    }
    const id = await claimReceipt(tx, {
      source: source.id,
      deliveryId,
      status: events.length === 0 ? "ignored" : "processed",
      rawBody,
      eventCount: events.length,
      at: now,
    });
    if (id === undefined) return { status: "duplicate" as const };
    if (events.length === 0 && aliases.length === 0) return { status: "ignored" as const };
    await lockIdentities(tx, [...events.map((e) => e.userId), ...aliases.map((a) => a.alias)]);
    const merged = await addAliases(tx, aliases, source.id);
    const canonical = await resolveAliases(
      tx,
      events.map((e) => e.userId),
    );
    const stored = events.map((e) => ({ ...e, userId: canonical.get(e.userId) ?? e.userId }));
    const written = await insertEvents(tx, stored);
    // What this delivery made known (an email on a user's event, a merged alias) may resolve held receipts.
    const emails = stored.flatMap((e) => (e.userEmail ? [e.userEmail] : []));
    if (merged.length > 0 || emails.length > 0) {
      const knownEmails = new Map(
        stored.flatMap((e) => (e.userEmail ? [[e.userEmail.toLowerCase(), e.userId] as const] : [])),
      );
      await resolvePendingReceipts(tx, now, {
        keys: { emails, aliases: merged.map((m) => m.alias) },
        knownEmails,
      });
    }
    return {
      status: "processed" as const,
      accepted: written.insertedIds.length,
      duplicates: written.duplicates,
    };
  });
}

function toNewEvents(sourceId: string, events: SourceEvent[], unresolved: boolean, now: Date): NewEvent[] {
  if (!Array.isArray(events)) throw new TypeError("events must be an array");
  if (events.length === 0) return [];
  const batch = events.map((e) => ({
    event: e.event,
    userId: unresolved ? UNRESOLVED_USER : e.userId,
    ...(e.userEmail === undefined ? {} : { userEmail: e.userEmail }),
    ...(e.properties === undefined ? {} : { properties: e.properties }),
    ...(e.timestamp === undefined
      ? {}
      : { timestamp: e.timestamp instanceof Date ? e.timestamp.toISOString() : e.timestamp }),
    // Namespaced by source, so two senders' ids cannot collide in the one dedupe table.
    messageId: typeof e.messageId === "string" ? `${sourceId}:${e.messageId}` : e.messageId,
  }));
  const validated =
    batch.length === 1 ? validateIngestBody(batch[0], now) : validateIngestBody({ batch }, now);
  return validated.map((e) => ({ ...e, source: "webhook" as const }));
}

function toPending(event: NewEvent): PendingEvent {
  return {
    messageId: event.messageId,
    event: event.event,
    userEmail: event.userEmail ?? null,
    properties: event.properties ?? {},
    occurredAt: event.occurredAt.toISOString(),
  };
}

function lookupContext(db: Queryable, request: WebhookRequest): SourceContext {
  return {
    request,
    userIdByEmail: async (email) => (await userIdsByEmails(db, [email])).get(email.toLowerCase()),
    userIdByAlias: async (alias) => (await resolveAliases(db, [alias])).get(alias),
  };
}

function describeProblems(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  return details
    .slice(0, 5)
    .map(
      (p: { index?: number; path?: string; message?: string }) =>
        `events[${p.index ?? 0}].${p.path}: ${p.message}`,
    )
    .join("; ");
}

function storableId(id: string): string {
  return id.length <= MAX_DELIVERY_ID && isStorableText(id) ? id : `sha256:${sha256(id)}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
