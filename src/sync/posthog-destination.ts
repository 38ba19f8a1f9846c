import { PostHog } from "posthog-node";
import type { OutboxRow } from "./sync-outbox-store.js";

export interface PostHogDestinationConfig {
  apiKey: string;
  /** https://us.i.posthog.com, https://eu.i.posthog.com, or a self-hosted/test host. */
  host: string;
  /** POSTHOG_SYNC_EMAIL: also `$set` the fact's email address on the person. Off unless configured. */
  syncEmail?: boolean;
}

/**
 * Sends one claimed batch to PostHog with posthog-node, driven from the outbox: a client per batch (its in-memory
 * queue would lose events on a crash, so nothing is left in it), every event captured with its fact id as `uuid`
 * (PostHog dedupes on it), then one flush; resolves only once PostHog accepted the batch, and rejects otherwise,
 * so rows are marked sent only after the capture endpoint answered 2xx. Email state goes on the person as `$set`
 * (subscribed, suppressed, last email at); the address itself is sent only with `syncEmail` (POSTHOG_SYNC_EMAIL),
 * and then only as the person's `email` property, never in the event's own properties.
 * Returns the ids of rows that needed no call (facts without a user: an address with no contact).
 */
export async function sendToPostHog(
  config: PostHogDestinationConfig,
  rows: readonly OutboxRow[],
): Promise<number[]> {
  const skipped: number[] = [];
  const client = new PostHog(config.apiKey, {
    host: config.host,
    flushAt: rows.length + 1,
    flushInterval: 0,
    maxBatchSize: Math.max(rows.length, 1),
    maxQueueSize: Math.max(rows.length * 2, 100),
    fetchRetryCount: 0,
    requestTimeout: 15_000,
    disableGeoip: true,
  });
  for (const row of rows) {
    const { event } = row;
    if (!event.userId) {
      skipped.push(row.id);
      continue;
    }
    const { email: _address, ...data } = event.data;
    const state = personProperties(event.type, event.data, event.occurredAt);
    const address = config.syncEmail && typeof event.data.email === "string" ? event.data.email : undefined;
    const set = address === undefined ? state : { ...state, email: address };
    client.capture({
      distinctId: event.userId,
      event: event.type,
      uuid: event.id,
      timestamp: new Date(event.occurredAt),
      properties: {
        ...withoutNulls(data),
        hogsend_event_version: event.version,
        $lib_custom: "hogsend",
        ...(set ? { $set: set } : {}),
      },
    });
  }
  if (skipped.length < rows.length) await client.flush();
  return skipped;
}

function personProperties(
  type: string,
  data: Record<string, unknown>,
  occurredAt: string,
): Record<string, unknown> | undefined {
  switch (type) {
    case "email.sent":
      return { hogsend_last_email_at: occurredAt };
    case "email.unsubscribed":
      return { hogsend_email_subscribed: false };
    case "email.suppressed":
      return { hogsend_email_suppressed: true, hogsend_email_suppressed_reason: data.reason };
    case "preferences.changed":
      return typeof data.category === "string"
        ? { [`hogsend_subscribed_${data.category}`]: data.subscribed === true }
        : undefined;
    default:
      return undefined;
  }
}

function withoutNulls(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null && v !== undefined));
}
