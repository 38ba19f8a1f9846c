import { TRANSACTIONAL_CATEGORY } from "../suppression/check-deliverability.js";
import { createUnsubscribeToken } from "./unsubscribe-token.js";

export interface PolicyAdditions {
  headers: Record<string, string>;
  footerHtml: string;
  footerText: string;
}

export interface UnsubscribeLinkOptions {
  /** The API's public base URL (config.publicUrl); links are `${publicUrl}/u/${token}`. */
  publicUrl: string;
  /** config.email.linkSecrets: the first signs. */
  secrets: readonly string[];
  postalAddress: string | undefined;
}

export function unsubscribeUrl(
  options: Pick<UnsubscribeLinkOptions, "publicUrl" | "secrets">,
  subject: { userId: string | null; email: string; category: string | null },
): string {
  const secret = options.secrets[0];
  if (!secret) throw new Error("No link secret configured");
  return `${options.publicUrl.replace(/\/+$/, "")}/u/${createUnsubscribeToken(subject, secret)}`;
}

/**
 * RFC 8058 one-click unsubscribe for one non-transactional email: `List-Unsubscribe` with the HTTPS link (the
 * only URI, so mailbox providers use it for their unsubscribe button) and `List-Unsubscribe-Post`, which tells
 * them a POST to it unsubscribes with no further page. Both headers must be covered by the DKIM signature,
 * which the provider does when it signs all headers.
 */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return {
    "List-Unsubscribe": `<${url}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  };
}

/**
 * Everything email policy adds to one email: for transactional mail nothing (it is exempt from unsubscribe);
 * otherwise the RFC 8058 headers, and a footer with a visible unsubscribe / preferences link and the postal
 * address. Deterministic in its inputs, so a retried message composes to the same bytes.
 */
export function buildPolicyAdditions(
  options: UnsubscribeLinkOptions,
  params: { email: string; userId: string | null; category: string | null },
): PolicyAdditions {
  if (params.category === TRANSACTIONAL_CATEGORY) return { headers: {}, footerHtml: "", footerText: "" };
  const url = unsubscribeUrl(options, params);
  const address = options.postalAddress?.trim();
  const footerHtml =
    '<table role="presentation" width="100%" style="margin-top:32px"><tr>' +
    '<td style="font-family:Helvetica,Arial,sans-serif;font-size:12px;line-height:18px;color:#8a8a8a;text-align:center">' +
    `<a href="${escapeHtml(url)}" style="color:#8a8a8a;text-decoration:underline">Unsubscribe or manage email preferences</a>` +
    (address ? `<br>${escapeHtml(address).replace(/\r?\n/g, "<br>")}` : "") +
    "</td></tr></table>";
  const footerText = [`Unsubscribe or manage email preferences: ${url}`, ...(address ? [address] : [])].join(
    "\n",
  );
  return { headers: unsubscribeHeaders(url), footerHtml, footerText };
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
