import type { EmailProviderName } from "../../config.js";

/** One fully composed email, ready for a provider: nothing left to render or decide. */
export interface OutgoingEmail {
  /** Our message id: the provider idempotency key where one exists, and the local part of Message-ID. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers (Message-ID, List-Unsubscribe, ...), names as they should appear on the wire. */
  headers: Record<string, string>;
}

/**
 * Expected failures are results, not throws: `retryable` says whether the same email may succeed later (5xx,
 * timeouts, 429) or never will (bad credentials, invalid address). `retryAfterMs` carries a provider's
 * Retry-After. A throw from `send` is a bug and is treated as retryable by the delivery loop.
 */
export type SendResult =
  | { ok: true; providerMessageId: string }
  | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

export interface EmailProvider {
  readonly name: EmailProviderName;
  send(email: OutgoingEmail): Promise<SendResult>;
  /** Releases pooled connections (SMTP); optional. */
  close?(): Promise<void>;
}

/** Parses an HTTP Retry-After value (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The classic HTTP split: 408, 429 and 5xx may succeed later; any other 4xx will not. */
export function isRetryableStatus(status: number | null | undefined): boolean {
  if (status === null || status === undefined || status === 0) return true; // network error or timeout
  return status === 408 || status === 429 || status >= 500;
}
