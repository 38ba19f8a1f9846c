/**
 * The outbound event catalog, version 1: every fact Hogsend reports to destinations (PostHog, webhook endpoints).
 * Names are stable within a version; a change to a type's meaning or shape ships as a new catalog version.
 * Each fact has a deterministic id (a UUID derived from its type and key), the same at every redelivery.
 */
export const OUTBOUND_CATALOG_VERSION = 1;

export const OUTBOUND_EVENT_TYPES = {
  "email.queued": "An email was queued for delivery (journey or transactional send)",
  "email.sent": "The provider accepted the email",
  "email.delivered": "The provider reported delivery to the recipient's server",
  "email.opened": "The open pixel loaded (tracking on)",
  "email.clicked": "A tracked link was clicked (tracking on)",
  "email.bounced": "The provider reported a bounce (bounceKind hard or soft)",
  "email.complained": "The recipient marked the email as spam",
  "email.unsubscribed": "The contact unsubscribed from all non-transactional email",
  "email.suppressed": "The address was suppressed (hard bounce, soft bounces, complaint or manual)",
  "preferences.changed": "A category subscription changed (category, subscribed)",
  "journey.entered": "A user entered a journey (a run was created)",
  "journey.completed": "A run finished",
  "journey.exited": "A run ended on an exitOn event",
  "journey.failed": "A run failed (error)",
  "journey.held_out":
    "A user passed a journey's entry guards but was held out as its control group (meta.holdout); no journey.entered",
  "journey.converted":
    "A run met its journey's goal within goal.within (goalEvent, goalEventId, heldOut, variants); once per run",
} as const;

export type OutboundEventType = keyof typeof OUTBOUND_EVENT_TYPES;
export const OUTBOUND_TYPES = Object.keys(OUTBOUND_EVENT_TYPES) as OutboundEventType[];

/** One fact as a destination receives it (the webhook body; PostHog gets it as an event's properties). */
export interface OutboundEvent {
  id: string;
  type: string;
  version: typeof OUTBOUND_CATALOG_VERSION;
  occurredAt: string;
  userId: string | null;
  data: Record<string, unknown>;
}
