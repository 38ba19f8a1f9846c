import { escapeHtml } from "../unsubscribe/unsubscribe-links.js";
import { createClickToken, createOpenToken, isWebUrl } from "./tracking-token.js";

export interface TrackingOptions {
  messageId: string;
  /** The API's public base URL; tracking links are `${publicUrl}/t/...`. */
  publicUrl: string;
  /** The signing secret (config.email.linkSecrets[0]). */
  secret: string;
}

const ANCHOR_HREF = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2/gis;

/**
 * Adds open and click tracking to an email's HTML: every http(s) link in an `<a href>` becomes a signed redirect
 * through `/t/c/TOKEN` (the token carries the original URL), and a 1x1 pixel `/t/o/TOKEN.gif` goes before
 * `</body>`. Our own unsubscribe links stay direct, so the visible link is the same URL as List-Unsubscribe.
 * Deterministic: the same html and message id give the same output.
 */
export function applyTracking(html: string, options: TrackingOptions): string {
  const base = options.publicUrl.replace(/\/+$/, "");
  const ownUnsubscribe = `${base}/u/`;
  const rewritten = html.replace(ANCHOR_HREF, (whole, start: string, quote: string, raw: string) => {
    const url = decodeEntities(raw.trim());
    if (!isWebUrl(url) || url.startsWith(ownUnsubscribe)) return whole;
    const tracked = `${base}/t/c/${createClickToken(options.messageId, url, options.secret)}`;
    return `${start}${quote}${escapeHtml(tracked)}${quote}`;
  });
  const pixel = `<img src="${escapeHtml(`${base}/t/o/${createOpenToken(options.messageId, options.secret)}.gif`)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`;
  const at = rewritten.lastIndexOf("</body>");
  return at === -1 ? `${rewritten}${pixel}` : `${rewritten.slice(0, at)}${pixel}${rewritten.slice(at)}`;
}

// Attribute values in rendered HTML are entity-encoded (`&amp;` in query strings); the redirect needs the URL.
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|quot|apos|lt|gt);/gi, (entity, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return { amp: "&", quot: '"', apos: "'", lt: "<", gt: ">" }[lower] ?? entity;
  });
}
