import { Webhook, WebhookVerificationError } from "svix";

/** The three Standard Webhooks headers (https://www.standardwebhooks.com), lower-case as sent. */
export interface StandardWebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Signs an outbound delivery the Standard Webhooks way (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), with
 * svix's own signer so receivers can verify with any Standard Webhooks library. `secret` is `whsec_<base64>`
 * (or bare base64). `body` must be the exact bytes sent. One place for every outbound signer: webhook
 * destinations and alert webhooks.
 */
export function signStandardWebhook(
  secret: string,
  message: { id: string; body: string; timestamp: Date },
): StandardWebhookHeaders {
  const timestamp = Math.floor(message.timestamp.getTime() / 1000);
  const signature = new Webhook(secret).sign(message.id, new Date(timestamp * 1000), message.body);
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signature,
  };
}

/**
 * Verifies an inbound Standard Webhooks delivery on its raw body: signature and a timestamp within five minutes
 * (svix's tolerance). False for any missing header, bad secret or mismatch; never throws. The body need not be
 * JSON.
 */
export function verifyStandardWebhook(
  secret: string,
  rawBody: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
): boolean {
  if (!headers.id || !headers.timestamp || !headers.signature) return false;
  try {
    new Webhook(secret).verify(rawBody, {
      "webhook-id": headers.id,
      "webhook-timestamp": headers.timestamp,
      "webhook-signature": headers.signature,
    });
    return true;
  } catch (error) {
    // svix parses the payload as JSON once the signature matched: a signed body that is not JSON is authentic
    // (the caller decides what to do with it); only a verification error means forged.
    return !(error instanceof WebhookVerificationError);
  }
}

/** Standard Webhooks (svix) refuse a timestamp more than five minutes from now. */
const TOLERANCE_SECONDS = 5 * 60;

/**
 * Whether a delivery's headers could verify at all: the three headers are there, the timestamp is within the
 * five-minute window and the signature header carries a `v1` signature. Checked before the body is read; the
 * signature itself covers the body (`verifyStandardWebhook`).
 */
export function standardWebhookHeadersCanVerify(
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  nowMs: number,
): boolean {
  if (!headers.id || !headers.timestamp || !headers.signature) return false;
  if (!/^\d{1,12}$/.test(headers.timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(headers.timestamp)) > TOLERANCE_SECONDS) return false;
  return headers.signature.split(" ").some((entry) => entry.startsWith("v1,") && entry.length > 3);
}

/** A fresh `whsec_` secret (24 random bytes), as endpoints are given when registered. */
export function newStandardWebhookSecret(randomBytes: (size: number) => Buffer): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}
