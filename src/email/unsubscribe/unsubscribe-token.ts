import { signToken, verifyToken } from "../../lib/signed-token.js";

const PURPOSE = "unsubscribe";

/** Who a link unsubscribes, and from what. `category` null means the email had none: the link is global. */
export interface UnsubscribeSubject {
  userId: string | null;
  email: string;
  category: string | null;
}

/**
 * A tamper-proof unsubscribe token: HMAC-SHA256 over (userId, email, category). It carries no expiry, on purpose:
 * the same message must compose to the same bytes on every retry, and an unsubscribe link in a years-old email
 * must still work (CAN-SPAM requires at least 30 days). Rotating the signing secret out is how old links die.
 */
export function createUnsubscribeToken(subject: UnsubscribeSubject, secret: string): string {
  return signToken(
    PURPOSE,
    { u: subject.userId, e: subject.email.toLowerCase(), c: subject.category },
    secret,
  );
}

export function verifyUnsubscribeToken(
  token: string,
  secrets: readonly string[],
): UnsubscribeSubject | undefined {
  const payload = verifyToken(PURPOSE, token, secrets);
  if (typeof payload !== "object" || payload === null) return undefined;
  const { u, e, c } = payload as Record<string, unknown>;
  if (typeof e !== "string" || e.length === 0) return undefined;
  if (u !== null && typeof u !== "string") return undefined;
  if (c !== null && typeof c !== "string") return undefined;
  return { userId: u, email: e, category: c };
}
