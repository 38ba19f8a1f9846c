import { ServerClient } from "postmark";
import type { EmailProvider, OutgoingEmail, SendResult } from "./email-provider.js";
import { isRetryableStatus } from "./email-provider.js";

export interface PostmarkProviderOptions {
  serverToken: string;
  messageStream: string;
  /** host[:port] of the API, default api.postmarkapp.com; tests point it at a local server. */
  requestHost?: string | undefined;
  useHttps?: boolean;
  timeoutMs: number;
}

// Postmark API error codes that are about this recipient or this message, never transient.
// 300 invalid email request, 406 inactive recipient, 10 bad server token.
const PERMANENT_CODES = new Set([10, 300, 406]);

/**
 * Postmark through its official SDK (`ServerClient`), sending on the configured message stream. Postmark has no
 * idempotency key: the stable Message-ID header is how a receiver can recognise a duplicate after a crash.
 */
export function createPostmarkProvider(options: PostmarkProviderOptions): EmailProvider {
  const client = new ServerClient(options.serverToken, {
    ...(options.requestHost === undefined ? {} : { requestHost: options.requestHost }),
    useHttps: options.useHttps ?? true,
    timeout: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
  });
  return {
    name: "postmark",
    async send(email: OutgoingEmail): Promise<SendResult> {
      try {
        const response = await client.sendEmail({
          From: email.from,
          To: email.to,
          Subject: email.subject,
          HtmlBody: email.html,
          TextBody: email.text,
          MessageStream: options.messageStream,
          Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })),
          // Echoed back in webhooks, so a bounce that races our provider-id write still finds its message.
          Metadata: { hogsend_message_id: email.messageId },
        });
        return { ok: true, providerMessageId: response.MessageID };
      } catch (error) {
        const { statusCode, code, message } = error as {
          statusCode?: number;
          code?: number;
          message?: string;
        };
        const reason = `postmark ${statusCode || "network"} code ${code ?? 0}: ${message ?? String(error)}`;
        const retryable =
          code !== undefined && PERMANENT_CODES.has(code) ? false : isRetryableStatus(statusCode);
        return { ok: false, retryable, reason };
      }
    },
  };
}
