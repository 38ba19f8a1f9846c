import { findUserIdByEmail } from "../../contacts/contact-store.js";
import type { Queryable } from "../../db/database.js";
import { insertEvents } from "../../events/event-store.js";
import type { EventSource } from "../../events/event-types.js";
import { applyBouncePolicy, type SoftBouncePolicy } from "../suppression/apply-bounce-policy.js";
import type { SuppressionReason } from "../suppression/suppression-store.js";
import { type EmailOutcome, OUTCOME_EVENT_NAMES } from "./email-outcome.js";

export interface RecordOutcomeOptions {
  /** resend | postmark | tracking: written on the message event and the suppression. */
  source: string;
  /** Idempotency key of the event-store write; the same key twice stores one event. */
  eventKey: string;
  eventSource: EventSource;
  softBounce: SoftBouncePolicy;
}

export interface RecordedOutcome {
  messageId: string | null;
  userId: string | null;
  suppressed: SuppressionReason | undefined;
  eventStored: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface MessageRow {
  id: string;
  user_id: string | null;
  to_email: string;
  template: string;
  journey_id: string | null;
  category: string | null;
}

/**
 * Applies one outcome, inside the caller's transaction: a message event linked to our message when we can match
 * it, the bounce/complaint policy, and an event in the store (`email.bounced` …) under the message's user so
 * journeys can trigger or exit on it. With no user to attribute it to (an unknown message to an address no
 * contact holds) the event-store write is skipped; the message event and suppression still happen.
 */
export async function recordEmailOutcome(
  q: Queryable,
  outcome: EmailOutcome,
  options: RecordOutcomeOptions,
): Promise<RecordedOutcome> {
  const message = await findMessage(q, outcome);
  const email = (outcome.email || message?.to_email || "").trim().toLowerCase();
  // Nothing to attach it to: no address and no message of ours. Acknowledged (the receipt is kept), not stored.
  if (email === "") return { messageId: null, userId: null, suppressed: undefined, eventStored: false };
  await q.query(
    `INSERT INTO message_events (message_id, email, type, bounce_kind, source, details, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      message?.id ?? null,
      email,
      outcome.type,
      outcome.type === "bounced" ? (outcome.bounceKind ?? "soft") : null,
      options.source,
      JSON.stringify(outcome.details),
      outcome.occurredAt.toISOString(),
    ],
  );
  let suppressed: SuppressionReason | undefined;
  if (outcome.type === "bounced" || outcome.type === "complained") {
    suppressed = await applyBouncePolicy(q, {
      email,
      type: outcome.type,
      bounceKind: outcome.bounceKind,
      source: options.source,
      at: outcome.occurredAt,
      policy: options.softBounce,
      note: typeof outcome.details.description === "string" ? outcome.details.description : undefined,
    });
  }
  const userId = message?.user_id ?? (await findUserIdByEmail(q, email));
  let eventStored = false;
  if (userId) {
    const { insertedIds } = await insertEvents(q, [
      {
        messageId: options.eventKey,
        event: OUTCOME_EVENT_NAMES[outcome.type],
        userId,
        userEmail: email,
        occurredAt: outcome.occurredAt,
        source: options.eventSource,
        properties: {
          emailMessageId: message?.id ?? null,
          template: message?.template ?? null,
          journeyId: message?.journey_id ?? null,
          category: message?.category ?? null,
          provider: options.source,
          ...outcome.details,
          ...(outcome.bounceKind && outcome.type === "bounced" ? { bounceType: outcome.bounceKind } : {}),
          ...(suppressed ? { suppressed } : {}),
        },
      },
    ]);
    eventStored = insertedIds.length > 0;
  }
  return { messageId: message?.id ?? null, userId, suppressed, eventStored };
}

async function findMessage(q: Queryable, outcome: EmailOutcome): Promise<MessageRow | undefined> {
  const ours =
    outcome.hogsendMessageId && UUID.test(outcome.hogsendMessageId) ? outcome.hogsendMessageId : null;
  const theirs = outcome.providerMessageId ?? null;
  if (ours === null && theirs === null) return undefined;
  const result = await q.query<MessageRow>(
    `SELECT id, user_id, to_email, template, journey_id, category FROM messages
      WHERE id = $1::uuid OR ($2::text IS NOT NULL AND provider_message_id = $2)
      ORDER BY (id = $1::uuid) DESC NULLS LAST LIMIT 1`,
    [ours, theirs],
  );
  return result.rows[0];
}
