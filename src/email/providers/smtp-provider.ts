import nodemailer from "nodemailer";
import type { EmailProvider, OutgoingEmail, SendResult } from "./email-provider.js";

export interface SmtpProviderOptions {
  /** smtp://user:pass@host:port or smtps://... */
  url: string;
  timeoutMs: number;
}

// Connection-level failures: the relay may well accept the same message a moment later.
const TRANSIENT_ERRORS = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ECONNRESET",
  "ECONNREFUSED",
]);

/**
 * Any SMTP relay through nodemailer, with a small connection pool. The Message-ID header is ours and stable
 * across retries. SMTP reply codes decide retryability: 4xx is transient, 5xx (bad address, auth) permanent.
 */
export function createSmtpProvider(options: SmtpProviderOptions): EmailProvider {
  const url = new URL(options.url);
  const secure = url.protocol === "smtps:";
  const transport = nodemailer.createTransport({
    pool: true,
    host: url.hostname,
    port: url.port === "" ? (secure ? 465 : 587) : Number(url.port),
    secure,
    ...(url.username === ""
      ? {}
      : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    // A relay with a self-signed certificate is opted into with ?tls_reject_unauthorized=false.
    tls: { rejectUnauthorized: url.searchParams.get("tls_reject_unauthorized") !== "false" },
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    name: "smtp",
    async send(email: OutgoingEmail): Promise<SendResult> {
      const { "Message-ID": messageIdHeader, ...headers } = email.headers;
      try {
        const info = await transport.sendMail({
          from: email.from,
          to: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          headers,
          ...(messageIdHeader === undefined ? {} : { messageId: messageIdHeader }),
        });
        return { ok: true, providerMessageId: info.messageId };
      } catch (error) {
        const { responseCode, code, message } = error as {
          responseCode?: number;
          code?: string;
          message?: string;
        };
        const reason = `smtp ${responseCode ?? code ?? "error"}: ${message ?? String(error)}`;
        if (responseCode !== undefined) return { ok: false, retryable: responseCode < 500, reason };
        return { ok: false, retryable: code === undefined || TRANSIENT_ERRORS.has(code), reason };
      }
    },
    async close() {
      transport.close();
    },
  };
}
