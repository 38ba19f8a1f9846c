import { toStorableDate } from "../../lib/input-guard/index.js";
import { type EmailOutcome, MESSAGE_ID_TAG } from "./email-outcome.js";

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
const asString = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;

// Postmark bounce `Type`s. Hard: the address will not work. Soft: may work later, so they count towards the
// threshold. Everything else (auto-responders, address changes, challenge mails …) is not a delivery failure.
const HARD = new Set(["HardBounce", "BadEmailAddress", "ManuallyDeactivated"]);
const SOFT = new Set(["SoftBounce", "Transient", "DnsError", "Blocked", "DMARCPolicy", "Unknown"]);

export interface ParsedPostmarkWebhook {
  /** Stable id of this delivery for deduplication: Postmark retries a failed POST with the same body. */
  deliveryId: string;
  outcome: EmailOutcome | undefined;
}

/**
 * Maps a Postmark webhook body (RecordType Bounce | SpamComplaint | Delivery | Open | Click) to an outcome.
 * Returns undefined when the body is not a Postmark record at all.
 */
export function parsePostmarkWebhook(payload: unknown): ParsedPostmarkWebhook | undefined {
  const body = asObject(payload);
  const recordType = asString(body.RecordType);
  const messageId = asString(body.MessageID);
  if (!recordType) return undefined;
  const base = {
    providerMessageId: messageId,
    hogsendMessageId: asString(asObject(body.Metadata)[MESSAGE_ID_TAG]),
  };
  const details: Json = {};
  if (typeof body.Tag === "string" && body.Tag) details.tag = body.Tag;
  switch (recordType) {
    case "Bounce":
    case "SpamComplaint": {
      const type = asString(body.Type) ?? "";
      const deliveryId = `${recordType}:${asString(body.ID) ?? `${messageId}:${asString(body.BouncedAt)}`}`;
      details.providerBounceType = type;
      details.description = asString(body.Description) ?? null;
      const email = asString(body.Email) ?? "";
      const occurredAt = parseDate(body.BouncedAt);
      if (recordType === "SpamComplaint" || type === "SpamComplaint") {
        return { deliveryId, outcome: { ...base, type: "complained", email, occurredAt, details } };
      }
      // Postmark deactivates an address after a hard bounce; Inactive says it will refuse to send there again.
      const kind = HARD.has(type) || body.Inactive === true ? "hard" : SOFT.has(type) ? "soft" : undefined;
      if (!kind) return { deliveryId, outcome: undefined };
      return {
        deliveryId,
        outcome: { ...base, type: "bounced", bounceKind: kind, email, occurredAt, details },
      };
    }
    case "Delivery":
      return {
        deliveryId: `Delivery:${messageId}:${asString(body.Recipient)}`,
        outcome: {
          ...base,
          type: "delivered",
          email: asString(body.Recipient) ?? "",
          occurredAt: parseDate(body.DeliveredAt),
          details,
        },
      };
    case "Open":
      if (typeof body.UserAgent === "string") details.userAgent = body.UserAgent;
      return {
        deliveryId: `Open:${messageId}:${asString(body.ReceivedAt)}`,
        outcome: {
          ...base,
          type: "opened",
          email: asString(body.Recipient) ?? "",
          occurredAt: parseDate(body.ReceivedAt),
          details,
        },
      };
    case "Click":
      details.link = asString(body.OriginalLink) ?? null;
      return {
        deliveryId: `Click:${messageId}:${asString(body.ReceivedAt)}:${asString(body.OriginalLink)}`,
        outcome: {
          ...base,
          type: "clicked",
          email: asString(body.Recipient) ?? "",
          occurredAt: parseDate(body.ReceivedAt),
          details,
        },
      };
    default:
      // SubscriptionChange and future record types: acknowledged, no effect.
      return { deliveryId: `${recordType}:${messageId}:${asString(body.ChangedAt)}`, outcome: undefined };
  }
}

// A date that does not parse, or lies outside what Postgres can store (`0000-01-01`), is replaced by the time of
// receipt: the report itself (a bounce) is still worth acting on.
function parseDate(value: unknown): Date {
  return (typeof value === "string" ? toStorableDate(value) : undefined) ?? new Date();
}
