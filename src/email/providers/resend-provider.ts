import { Resend } from "resend";
import type { EmailProvider, OutgoingEmail, SendResult } from "./email-provider.js";
import { isRetryableStatus, parseRetryAfter } from "./email-provider.js";

export interface ResendProviderOptions {
  apiKey: string;
  /** Overrides https://api.resend.com (tests, proxies). */
  baseUrl?: string | undefined;
  timeoutMs: number;
}

/**
 * Resend through its official SDK. Every send carries `Idempotency-Key` = our message id, so a retry after a
 * crash between Resend's accept and our record is answered with the original email instead of a second one.
 */
export function createResendProvider(options: ResendProviderOptions): EmailProvider {
  const client = new Resend(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  return {
    name: "resend",
    async send(email: OutgoingEmail): Promise<SendResult> {
      const { data, error, headers } = await client.emails.send(
        {
          from: email.from,
          to: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          headers: email.headers,
          // Echoed back in webhooks, so a bounce that races our provider-id write still finds its message.
          tags: [{ name: "hogsend_message_id", value: email.messageId }],
        },
        { idempotencyKey: email.messageId, signal: AbortSignal.timeout(options.timeoutMs) },
      );
      if (data && !error) return { ok: true, providerMessageId: data.id };
      const status = error?.statusCode ?? null;
      const name: string = error?.name ?? "unknown_error";
      const reason = `resend ${status ?? "network"} ${name}: ${error?.message ?? "no response"}`;
      // Same key, different payload: retrying cannot help. A concurrent request with our key is in flight.
      if (name === "invalid_idempotent_request") return { ok: false, retryable: false, reason };
      if (name === "concurrent_idempotent_requests") return { ok: false, retryable: true, reason };
      const retryAfterMs = status === 429 ? parseRetryAfter(headers?.["retry-after"]) : undefined;
      return {
        ok: false,
        retryable: isRetryableStatus(status),
        reason,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    },
  };
}
