import { createHash } from "node:crypto";
import type { Database } from "../../db/database.js";
import {
  findUnsafeJson,
  formatJsonPath,
  isStorableText,
  toStorableText,
} from "../../lib/input-guard/index.js";
import type { SoftBouncePolicy } from "../suppression/apply-bounce-policy.js";
import type { EmailOutcome } from "./email-outcome.js";
import { parsePostmarkWebhook } from "./parse-postmark-webhook.js";
import { parseResendWebhook } from "./parse-resend-webhook.js";
import { recordEmailOutcome } from "./record-email-outcome.js";
import { claimWebhookReceipt, recordRejectedWebhook, type WebhookProvider } from "./webhook-receipt-store.js";

export type WebhookAnswer =
  | { status: "processed"; suppressed?: string[] }
  | { status: "duplicate" | "ignored" }
  | { status: "rejected"; reason: string };

export interface WebhookDelivery {
  provider: WebhookProvider;
  /** The provider's delivery id when it sends one (Resend: svix-id); Postmark's is built from the record. */
  deliveryId?: string | undefined;
  /** The verified body, as received. */
  raw: string;
  softBounce: SoftBouncePolicy;
}

// Provider payloads are small and flat; anything deeper or larger is not a delivery report.
const PAYLOAD_LIMITS = { maxDepth: 32, maxChars: 1_048_576 };
// Past this a delivery id is stored as its hash: a btree entry holds at most ~2,700 bytes.
const MAX_DELIVERY_ID = 200;
const MAX_ERROR = 1_000;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL = 320;

/**
 * Applies one *verified* webhook delivery once. The payload goes through the input guard before anything reads
 * it; a delivery that cannot be used (not JSON, unstorable text, too deep, not a record of the provider, a
 * recipient that is not an address) is answered `rejected` and kept in webhook_receipts with the reason, so the
 * provider, which retries anything but a 2xx, stops retrying it and an operator can see it. A usable one is
 * claimed in webhook_receipts in the same transaction as its effects: a retry that finds the claim is a duplicate.
 */
export async function receiveWebhook(db: Database, delivery: WebhookDelivery): Promise<WebhookAnswer> {
  const read = readDelivery(delivery);
  if ("reason" in read) {
    const deliveryId = storableDeliveryId(delivery.deliveryId ?? `body:${sha256(delivery.raw)}`);
    const reason = toStorableText(read.reason, MAX_ERROR);
    await recordRejectedWebhook(db, delivery.provider, deliveryId, reason);
    return { status: "rejected", reason };
  }
  const { deliveryId, outcomes } = read;
  return db.transaction(async (tx) => {
    if (!(await claimWebhookReceipt(tx, delivery.provider, deliveryId)))
      return { status: "duplicate" as const };
    if (outcomes.length === 0) return { status: "ignored" as const };
    const suppressed: string[] = [];
    for (const [index, outcome] of outcomes.entries()) {
      const recorded = await recordEmailOutcome(tx, outcome, {
        source: delivery.provider,
        eventKey: `webhook:${delivery.provider}:${deliveryId}:${index}`,
        eventSource: "webhook",
        softBounce: delivery.softBounce,
      });
      if (recorded.suppressed) suppressed.push(`${outcome.email.toLowerCase()}:${recorded.suppressed}`);
    }
    return { status: "processed" as const, ...(suppressed.length > 0 ? { suppressed } : {}) };
  });
}

function readDelivery(
  delivery: WebhookDelivery,
): { deliveryId: string; outcomes: EmailOutcome[] } | { reason: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.raw);
  } catch {
    return { reason: "The body is not valid JSON" };
  }
  const unsafe = findUnsafeJson(payload, PAYLOAD_LIMITS);
  if (unsafe) return { reason: `${formatJsonPath(unsafe.path)} ${unsafe.reason}` };
  let deliveryId = delivery.deliveryId;
  let outcomes: EmailOutcome[];
  if (delivery.provider === "resend") {
    outcomes = parseResendWebhook(payload);
  } else {
    const parsed = parsePostmarkWebhook(payload);
    if (!parsed) return { reason: "Not a Postmark webhook record (no RecordType)" };
    deliveryId = parsed.deliveryId;
    outcomes = parsed.outcome ? [parsed.outcome] : [];
  }
  if (deliveryId === undefined) return { reason: "The delivery has no id" };
  const badRecipient = outcomes.find((outcome) => outcome.email !== "" && !isEmailAddress(outcome.email));
  if (badRecipient) return { reason: "A recipient is not an email address" };
  return { deliveryId: storableDeliveryId(deliveryId), outcomes };
}

function isEmailAddress(value: string): boolean {
  return value.length <= MAX_EMAIL && EMAIL.test(value.trim());
}

function storableDeliveryId(id: string): string {
  return id.length <= MAX_DELIVERY_ID && isStorableText(id) ? id : `sha256:${sha256(id)}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
