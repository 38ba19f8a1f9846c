/** Svix refuses a timestamp more than five minutes from now; the same window, checked before the body. */
const TOLERANCE_SECONDS = 5 * 60;

export interface SvixHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/**
 * Whether a Resend delivery's headers could verify at all: a secret is configured, the three Svix headers are
 * there, the timestamp is fresh and the signature header carries a `v1` signature. The route checks this before it
 * reads the body, so an unsigned or stale delivery is refused without buffering up to HOGSEND_MAX_BODY_BYTES of it;
 * the signature itself covers the body and is verified once the body is in (`verifyResendSignature`).
 */
export function resendHeadersCanVerify(
  secret: string | undefined,
  headers: SvixHeaders,
  nowMs: number,
): boolean {
  if (!secret || !headers.id || !headers.timestamp || !headers.signature) return false;
  if (!/^\d{1,12}$/.test(headers.timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(headers.timestamp)) > TOLERANCE_SECONDS) return false;
  return headers.signature.split(" ").some((entry) => entry.startsWith("v1,") && entry.length > 3);
}
