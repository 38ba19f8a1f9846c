import { signStandardWebhook } from "../lib/standard-webhook-signature.js";
import type { OutboundEvent } from "./outbound-catalog.js";

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

export type WebhookResult = { ok: true; status: number } | { ok: false; error: string };

/**
 * POSTs one fact to an endpoint as JSON, signed with Standard Webhooks headers (`webhook-id` = the fact's id, so a
 * receiver dedupes redeliveries). A 2xx is delivered; anything else, or no answer within the timeout, is a failure
 * to retry.
 */
export async function sendWebhook(
  endpoint: WebhookEndpoint,
  event: OutboundEvent,
  options: { now: Date; timeoutMs?: number },
): Promise<WebhookResult> {
  const body = JSON.stringify(event);
  const headers = signStandardWebhook(endpoint.secret, { id: event.id, body, timestamp: options.now });
  try {
    const res = await fetch(endpoint.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "hogsend-webhooks/1", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, error: `HTTP ${res.status}` };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
