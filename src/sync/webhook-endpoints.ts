import { randomBytes, randomUUID } from "node:crypto";
import type { Queryable } from "../db/database.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { newStandardWebhookSecret } from "../lib/standard-webhook-signature.js";
import { OUTBOUND_CATALOG_VERSION, OUTBOUND_TYPES } from "./outbound-catalog.js";
import { createWebhookDestination, type Destination, getDestination } from "./sync-outbox-store.js";
import { sendWebhook, type WebhookResult } from "./webhook-destination.js";

/** Registers an endpoint: its id (`wh_…`) and signing secret (`whsec_…`, shown once in the answer). */
export async function registerWebhookEndpoint(
  q: Queryable,
  input: { url: string; description?: string | undefined; eventTypes?: string[] | undefined },
): Promise<Destination> {
  const unknown = (input.eventTypes ?? []).filter((t) => !(OUTBOUND_TYPES as string[]).includes(t));
  if (unknown.length > 0) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `Unknown event types: ${unknown.join(", ")}`, {
      details: [{ path: "eventTypes", message: `not in the catalog: ${unknown.join(", ")}` }],
    });
  }
  return createWebhookDestination(q, {
    id: `wh_${randomUUID().replaceAll("-", "")}`,
    url: input.url,
    secret: newStandardWebhookSecret(randomBytes),
    description: input.description ?? null,
    eventTypes: input.eventTypes && input.eventTypes.length > 0 ? [...new Set(input.eventTypes)] : null,
  });
}

/** Sends a signed `webhook.test` fact to the endpoint now, outside the outbox, and reports the answer. */
export async function testWebhookEndpoint(q: Queryable, id: string, now: Date): Promise<WebhookResult> {
  const destination = await getDestination(q, id);
  if (!destination || destination.kind !== "webhook") {
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
