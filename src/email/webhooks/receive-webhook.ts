import { createHash } from "node:crypto";
import type { Database } from "../../db/database.js";
import {
  formatJsonPath,
  isStorableText,
  toStorableText,
  UNSTORABLE_TEXT_REASON,
  unsafeJsonProblems,
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
 * it; a delivery that cannot be used (not JSON, too deep or large, unstorable keys, not a record of the provider, a
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
  // A NUL or lone surrogate in a string value (a subject line, a bounce description) is the sender's data, not a
  // reason to lose a bounce or a complaint: such strings are kept with U+FFFD in their place. Anything else the
  // guard finds (depth, size, prototype or unstorable keys) makes the delivery unusable.
  let hasUnstorableText = false;
  for (const problem of unsafeJsonProblems(payload, PAYLOAD_LIMITS)) {
    if (problem.reason !== UNSTORABLE_TEXT_REASON) {
      return { reason: `${formatJsonPath(problem.path)} ${problem.reason}` };
    }
    hasUnstorableText = true;
  }
  if (hasUnstorableText) payload = withStorableStrings(payload);
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

/** A copy with every string made storable; recursion is safe because the guard has bounded the depth. */
function withStorableStrings(value: unknown): unknown {
  if (typeof value === "string") return toStorableText(value);
  if (Array.isArray(value)) return value.map(withStorableStrings);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withStorableStrings(item)]));
  }
  return value;
}

function isEmailAddress(value: string): boolean {
  // U+FFFD is what withStorableStrings left of a NUL or lone surrogate: no address to suppress or attribute.
  return value.length <= MAX_EMAIL && EMAIL.test(value.trim()) && !value.includes("\ufffd");
}

function storableDeliveryId(id: string): string {
  return id.length <= MAX_DELIVERY_ID && isStorableText(id) ? id : `sha256:${sha256(id)}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
