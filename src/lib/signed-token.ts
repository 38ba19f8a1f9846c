import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Compact signed tokens for links that travel in email (unsubscribe, tracking): `base64url(json).base64url(mac)`,
 * the MAC being HMAC-SHA256 over a purpose label and the payload. The label keeps a token minted for one use
 * (a click redirect) from being accepted by another (an unsubscribe). Several secrets verify so that a new one
 * can be rolled in while links signed with the old one keep working; the first one signs.
 */
export function signToken(purpose: string, payload: unknown, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${body}.${mac(purpose, body, secret)}`;
}

/** The payload when some secret's MAC matches, otherwise undefined. Never throws on malformed input. */
export function verifyToken(purpose: string, token: string, secrets: readonly string[]): unknown {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot !== token.lastIndexOf(".")) return undefined;
  const body = decodeCanonical(token.slice(0, dot));
  const presented = decodeCanonical(token.slice(dot + 1));
  if (!body || !presented) return undefined;
  const valid = secrets.some((secret) => {
    const expected = Buffer.from(mac(purpose, token.slice(0, dot), secret), "base64url");
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
  if (!valid) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Node's base64url decoder is lenient: it skips padding and characters outside the alphabet and ignores the unused
 * low bits of the last character, so several strings decode to the same bytes. A token must have one spelling
 * (links are deduplicated, logged and compared as strings), so a part is accepted only if it is exactly the
 * encoding of what it decodes to.
 */
function decodeCanonical(part: string): Buffer | undefined {
  const bytes = Buffer.from(part, "base64url");
  return bytes.length > 0 && bytes.toString("base64url") === part ? bytes : undefined;
}

function mac(purpose: string, body: string, secret: string): string {
  return createHmac("sha256", secret).update(`hogsend:${purpose}:`).update(body).digest("base64url");
}
