/** What a provider (or our own tracking) reports about a message after it left us, provider-neutral. */
export const OUTCOME_TYPES = [
  "delivered",
  "delivery_delayed",
  "bounced",
  "complained",
  "opened",
  "clicked",
] as const;
export type OutcomeType = (typeof OUTCOME_TYPES)[number];

export interface EmailOutcome {
  type: OutcomeType;
  /** The recipient the report is about. */
  email: string;
  occurredAt: Date;
  /** The provider's id for the message (Resend email_id, Postmark MessageID). */
  providerMessageId?: string | undefined;
  /** Our messages.id, when the provider echoes it back (Resend tag / Postmark metadata `hogsend_message_id`). */
  hogsendMessageId?: string | undefined;
  bounceKind?: "hard" | "soft" | undefined;
  /** Provider specifics worth keeping: bounce description, clicked link, user agent. */
  details: Record<string, unknown>;
}

/** The event-store name each outcome is published under, for journeys to trigger or exit on. */
export const OUTCOME_EVENT_NAMES: Record<OutcomeType, string> = {
  delivered: "email.delivered",
  delivery_delayed: "email.delivery_delayed",
  bounced: "email.bounced",
  complained: "email.complained",
  opened: "email.opened",
  clicked: "email.clicked",
};

/** Tag (Resend) / metadata key (Postmark) under which the delivery loop sends our message id. */
export const MESSAGE_ID_TAG = "hogsend_message_id";
