import { timingSafeEqual } from "node:crypto";
import { Webhook } from "svix";

/**
 * Resend signs webhooks with Svix. Verification runs on the raw body exactly as received (a re-serialised JSON
 * body would not match) and checks the timestamp is within five minutes, which bounds replays; the svix-id
 * dedupe covers replays inside that window. No secret configured means nothing verifies.
 */
export function verifyResendSignature(
  secret: string | undefined,
  rawBody: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
): boolean {
  if (!secret || !headers.id || !headers.timestamp || !headers.signature) return false;
  try {
    new Webhook(secret).verify(rawBody, {
      "svix-id": headers.id,
      "svix-timestamp": headers.timestamp,
      "svix-signature": headers.signature,
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Postmark webhooks carry no signature: they are secured by HTTP basic auth in the webhook URL
 * (POSTMARK_WEBHOOK_USER/PASS) or a custom header Postmark adds to each request (POSTMARK_WEBHOOK_SECRET sent
 * as `X-Hogsend-Webhook-Secret`). Either configured credential is enough; none configured means nothing passes.
 */
export function verifyPostmarkAuth(
  expected: { user: string | undefined; pass: string | undefined; secret: string | undefined },
  presented: { authorization: string | undefined; secretHeader: string | undefined },
): boolean {
  let ok = false;
  if (expected.secret && presented.secretHeader !== undefined) {
    ok = safeEqual(presented.secretHeader, expected.secret);
  }
  const basic = presented.authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
  if (!ok && expected.user !== undefined && expected.pass !== undefined && basic) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0) {
      // Both halves compared, no early exit, so timing does not say which one was wrong.
      const userOk = safeEqual(decoded.slice(0, colon), expected.user);
      const passOk = safeEqual(decoded.slice(colon + 1), expected.pass);
      ok = userOk && passOk;
    }
  }
  return ok;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}
