import { randomBytes, randomUUID } from "node:crypto";
import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database, Queryable } from "../db/database.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { newStandardWebhookSecret } from "../lib/standard-webhook-signature.js";
import { OUTBOUND_CATALOG_VERSION, OUTBOUND_TYPES } from "./outbound-catalog.js";
import {
  createWebhookDestination,
  type Destination,
  deleteWebhookDestination,
  getDestination,
  requeueDeadLetter,
} from "./sync-outbox-store.js";
import { sendWebhook, type WebhookResult } from "./webhook-destination.js";

/** Registers an endpoint: its id (`wh_…`) and signing secret (`whsec_…`, shown once in the answer). */
export async function registerWebhookEndpoint(
  db: Database,
  input: { url: string; description?: string | undefined; eventTypes?: string[] | undefined },
  audit: AuditContext,
): Promise<Destination> {
  const unknown = (input.eventTypes ?? []).filter((t) => !(OUTBOUND_TYPES as string[]).includes(t));
  if (unknown.length > 0) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `Unknown event types: ${unknown.join(", ")}`, {
      details: [{ path: "eventTypes", message: `not in the catalog: ${unknown.join(", ")}` }],
    });
  }
  return db.transaction(async (tx) => {
    const created = await createWebhookDestination(tx, {
      id: `wh_${randomUUID().replaceAll("-", "")}`,
      url: input.url,
      secret: newStandardWebhookSecret(randomBytes),
      description: input.description ?? null,
      eventTypes: input.eventTypes && input.eventTypes.length > 0 ? [...new Set(input.eventTypes)] : null,
    });
    // The secret never goes into the audit log.
    await recordAudit(tx, audit, {
      action: "webhook_endpoint.created",
      targetType: "webhook_endpoint",
      targetId: created.id,
      after: { url: created.url, description: created.description, eventTypes: created.eventTypes },
    });
    return created;
  });
}

/** Removes an endpoint (and its pending and dead deliveries), audited; false when there is none. */
export async function removeWebhookEndpoint(db: Database, id: string, audit: AuditContext): Promise<boolean> {
  return db.transaction(async (tx) => {
    const before = await getDestination(tx, id);
    if (!before || !(await deleteWebhookDestination(tx, id))) return false;
    await recordAudit(tx, audit, {
      action: "webhook_endpoint.deleted",
      targetType: "webhook_endpoint",
      targetId: id,
      before: { url: before.url, description: before.description, eventTypes: before.eventTypes },
    });
    return true;
  });
}

/** Requeues a sync dead letter, audited; false when there is no such dead letter. */
export async function requeueSyncDeadLetter(
  db: Database,
  id: number,
  now: Date,
  audit: AuditContext,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await requeueDeadLetter(tx, id, now))) return false;
    await recordAudit(tx, audit, {
      action: "sync_dead_letter.requeued",
      targetType: "sync_outbox",
      targetId: String(id),
    });
    return true;
  });
}

/** Sends a signed `webhook.test` fact to the endpoint now, outside the outbox, and reports the answer. */
export async function testWebhookEndpoint(q: Queryable, id: string, now: Date): Promise<WebhookResult> {
  const destination = await getDestination(q, id);
  if (destination?.kind !== "webhook") {
    throw new HogsendError(ErrorCodes.NOT_FOUND, `No webhook endpoint ${id}`);
  }
  return sendWebhook(
    { url: destination.url ?? "", secret: destination.secret ?? "" },
    {
      id: randomUUID(),
      type: "webhook.test",
      version: OUTBOUND_CATALOG_VERSION,
      occurredAt: now.toISOString(),
      userId: null,
      data: { endpointId: id },
    },
    { now },
  );
}
