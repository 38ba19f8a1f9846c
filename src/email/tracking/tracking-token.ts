import { signToken, verifyToken } from "../../lib/signed-token.js";

/** Open pixel token: which message was opened. */
export function createOpenToken(messageId: string, secret: string): string {
  return signToken("open", { m: messageId }, secret);
}

export function verifyOpenToken(
  token: string,
  secrets: readonly string[],
): { messageId: string } | undefined {
  const payload = verifyToken("open", token, secrets) as { m?: unknown } | undefined;
  return typeof payload?.m === "string" ? { messageId: payload.m } : undefined;
}

/**
 * Click token: the message and the destination, signed together. The redirect goes only where a token we signed
 * says, and we sign only links that were in the email, so the endpoint cannot be used as an open redirect.
 */
export function createClickToken(messageId: string, url: string, secret: string): string {
  return signToken("click", { m: messageId, u: url }, secret);
}

export function verifyClickToken(
  token: string,
  secrets: readonly string[],
): { messageId: string; url: string } | undefined {
  const payload = verifyToken("click", token, secrets) as { m?: unknown; u?: unknown } | undefined;
  if (typeof payload?.m !== "string" || typeof payload.u !== "string" || !isWebUrl(payload.u))
    return undefined;
  return { messageId: payload.m, url: payload.u };
}

export function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
