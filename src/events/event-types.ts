/** An event as it is stored and routed. */
export interface StoredEvent {
  id: number;
  messageId: string;
  event: string;
  userId: string;
  userEmail: string | null;
  properties: Record<string, unknown>;
  occurredAt: Date;
  receivedAt: Date;
  source: EventSource;
}

export type EventSource = "api" | "journey" | "system" | "webhook" | "import";

/** An event about to be stored. `messageId` makes the write idempotent. */
export interface NewEvent {
  messageId: string;
  event: string;
  userId: string;
  userEmail?: string | null | undefined;
  properties?: Record<string, unknown> | undefined;
  occurredAt: Date;
  source?: EventSource | undefined;
  /**
   * True when Hogsend generated `messageId` itself (the client sent none): no earlier write can carry it, so the
   * dedupe check is skipped.
   */
  assignedId?: boolean | undefined;
  /** Unknown top-level fields of an ingested event, stored verbatim in `events.extra`. */
  extra?: Record<string, unknown> | undefined;
}

/** Fired on commit of every event write; routers LISTEN on it so new work is picked up at once. */
export const EVENTS_CHANNEL = "hogsend_events";
