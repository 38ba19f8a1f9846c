import { toStorableDate } from "../../lib/input-guard/index.js";
import { type EmailOutcome, MESSAGE_ID_TAG, type OutcomeType } from "./email-outcome.js";

// Resend event type -> our outcome. Other types (email.sent, email.scheduled, email.failed, contact.* …) are
// acknowledged and ignored: `sent` is ours to record at send time, and `failed` reaches the delivery loop.
const TYPES: Record<string, OutcomeType> = {
  "email.delivered": "delivered",
  "email.delivery_delayed": "delivery_delayed",
  "email.bounced": "bounced",
  "email.complained": "complained",
  "email.opened": "opened",
  "email.clicked": "clicked",
};

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * Maps a verified Resend webhook body (`{ type, created_at, data: { email_id, to[], tags, bounce, click } }`) to
 * one outcome per recipient; empty for event types we do not act on.
 */
export function parseResendWebhook(payload: unknown): EmailOutcome[] {
  const body = asObject(payload);
  const type = TYPES[asString(body.type) ?? ""];
  if (!type) return [];
  const data = asObject(body.data);
  const occurredAt =
    parseDate(asString(body.created_at)) ?? parseDate(asString(data.created_at)) ?? new Date();
  const recipients = (Array.isArray(data.to) ? data.to : [data.to]).filter(
    (to): to is string => typeof to === "string" && to.length > 0,
  );
  const details: Json = {};
  let bounceKind: "hard" | "soft" | undefined;
  if (type === "bounced") {
    const bounce = asObject(data.bounce);
    // Resend's bounce.type follows SES: Permanent is a hard bounce; Transient and Undetermined are soft.
    bounceKind = asString(bounce.type)?.toLowerCase() === "permanent" ? "hard" : "soft";
    details.providerBounceType = asString(bounce.type) ?? null;
    details.bounceSubType = asString(bounce.subType) ?? null;
    details.description = asString(bounce.message) ?? null;
  }
  if (type === "clicked") {
    const click = asObject(data.click);
    details.link = asString(click.link) ?? null;
    details.userAgent = asString(click.userAgent) ?? null;
  }
  if (type === "opened") {
    const open = asObject(data.open);
    if (asString(open.userAgent)) details.userAgent = open.userAgent;
  }
  return recipients.map((email) => ({
    type,
    email,
    occurredAt,
    providerMessageId: asString(data.email_id),
    hogsendMessageId: findMessageIdTag(data),
    bounceKind,
    details,
  }));
}

// Tags arrive as an object (`{ name: value }`) in webhooks and as `[{ name, value }]` on the send API; headers
// as `[{ name, value }]`. Accept every shape.
function findMessageIdTag(data: Json): string | undefined {
  const fromPairs = (list: unknown, key: string) =>
    Array.isArray(list)
      ? asString(
          list.map(asObject).find((pair) => asString(pair.name)?.toLowerCase() === key.toLowerCase())?.value,
        )
      : undefined;
  return (
    asString(asObject(data.tags)[MESSAGE_ID_TAG]) ??
    fromPairs(data.tags, MESSAGE_ID_TAG) ??
    fromPairs(data.headers, "X-Hogsend-Message-Id")
  );
}

// Undefined for a date that does not parse or lies outside what Postgres can store (`0000-01-01`).
function parseDate(value: string | undefined): Date | undefined {
  return value ? toStorableDate(value) : undefined;
}
