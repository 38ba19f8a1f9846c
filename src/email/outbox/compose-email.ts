import type { Config } from "../../config.js";
import type { OutgoingEmail } from "../providers/email-provider.js";
import type { EmailCategory } from "../templates/email-template.js";
import type { RenderTemplate } from "../templates/render-template.js";
import { applyTracking } from "../tracking/apply-tracking.js";
import { buildPolicyAdditions } from "../unsubscribe/unsubscribe-links.js";

/** One outbox row's worth of input: everything needed to build the email the provider receives. */
export interface ComposeInput {
  messageId: string;
  to: string;
  from: string;
  userId: string | null;
  template: string;
  subject: string;
  props: Record<string, unknown>;
  /** The contact's stored properties; the template's props fall back to them (explicit props win). */
  contactProperties?: Record<string, unknown>;
}

export interface ComposedEmail extends OutgoingEmail {
  category: EmailCategory;
}

export interface ComposeDependencies {
  config: Config;
  render: RenderTemplate;
}

/**
 * Template render -> the email as sent: HTML and text bodies, the stable Message-ID, and the policy additions
 * (unsubscribe headers and footer, tracking). The same input always composes the same email, so a retry sends
 * what the first attempt sent.
 */
export async function composeEmail(input: ComposeInput, deps: ComposeDependencies): Promise<ComposedEmail> {
  const rendered = await deps.render(input.template, input.props, {
    id: input.userId,
    email: input.to,
    properties: input.contactProperties ?? {},
  });
  const headers: Record<string, string> = {
    // Stable across retries and workers: a receiver (or Postmark/SMTP relay) that sees it twice can drop the copy.
    "Message-ID": `<${input.messageId}@${senderDomain(input.from)}>`,
    "X-Hogsend-Message-Id": input.messageId,
  };
  const policy = policyAdditions({
    config: deps.config,
    messageId: input.messageId,
    email: input.to,
    userId: input.userId,
    category: rendered.category,
  });
  Object.assign(headers, policy.headers);
  const html = trackEmail(insertBeforeBodyEnd(rendered.html, policy.footerHtml), {
    config: deps.config,
    messageId: input.messageId,
  });
  const text = policy.footerText === "" ? rendered.text : `${rendered.text}\n\n${policy.footerText}`;
  return {
    messageId: input.messageId,
    from: input.from,
    to: input.to,
    subject: input.subject,
    html,
    text,
    headers,
    category: rendered.category,
  };
}

export interface PolicyAdditions {
  headers: Record<string, string>;
  footerHtml: string;
  footerText: string;
}

/**
 * Email policy: `List-Unsubscribe` + `List-Unsubscribe-Post` headers (RFC 8058), the visible unsubscribe link and
 * postal address footer for every non-transactional email (see `unsubscribe/unsubscribe-links.ts`).
 */
export function policyAdditions(params: {
  config: Config;
  messageId: string;
  email: string;
  userId: string | null;
  category: EmailCategory;
}): PolicyAdditions {
  return buildPolicyAdditions(
    {
      publicUrl: params.config.publicUrl,
      secrets: params.config.email.linkSecrets,
      postalAddress: params.config.email.postalAddress,
    },
    { email: params.email, userId: params.userId, category: params.category },
  );
}

/**
 * Open pixel and click links rewritten to signed redirects when `config.email.tracking` is on (see
 * `tracking/apply-tracking.ts`).
 */
export function trackEmail(html: string, params: { config: Config; messageId: string }): string {
  const secret = params.config.email.linkSecrets[0];
  if (!params.config.email.tracking || secret === undefined) return html;
  return applyTracking(html, { messageId: params.messageId, publicUrl: params.config.publicUrl, secret });
}

function insertBeforeBodyEnd(html: string, fragment: string): string {
  if (fragment === "") return html;
  const at = html.lastIndexOf("</body>");
  return at === -1 ? `${html}${fragment}` : `${html.slice(0, at)}${fragment}${html.slice(at)}`;
}

/** The domain for Message-ID: the sender's, so the id is unique to us and looks like ordinary mail. */
export function senderDomain(from: string): string {
  const address = from.match(/<([^>]+)>/)?.[1] ?? from;
  const domain = address.split("@")[1]?.trim().toLowerCase();
  return domain && /^[a-z0-9.-]+$/.test(domain) ? domain : "hogsend.localhost";
}
