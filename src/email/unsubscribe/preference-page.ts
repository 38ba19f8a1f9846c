import type { PreferenceState } from "./preference-store.js";
import { escapeHtml } from "./unsubscribe-links.js";
import type { UnsubscribeSubject } from "./unsubscribe-token.js";

/** Categories a person can leave in the preference center. Transactional mail is not optional. */
export const PREFERENCE_CATEGORIES: ReadonlyArray<{ key: string; label: string; description: string }> = [
  {
    key: "product",
    label: "Product emails",
    description: "Onboarding tips, feature news and account updates.",
  },
  { key: "marketing", label: "Marketing emails", description: "Offers, announcements and newsletters." },
];

const STYLE = `body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;background:#f6f6f4;
color:#1d1d1b;margin:0;padding:40px 16px}main{max-width:480px;margin:0 auto;background:#fff;border-radius:8px;
padding:32px;box-shadow:0 1px 3px rgba(0,0,0,.08)}h1{font-size:22px;margin:0 0 12px}p{line-height:1.5}
fieldset{border:1px solid #e4e4e0;border-radius:6px;margin:20px 0;padding:12px 16px}label{display:block;margin:10px 0}
small{color:#6b6b66;display:block;margin-left:24px}button{font:inherit;padding:10px 16px;border-radius:6px;
border:1px solid #1d1d1b;background:#1d1d1b;color:#fff;cursor:pointer;margin:4px 8px 4px 0}
button.secondary{background:#fff;color:#1d1d1b}.notice{background:#eef7ee;border-radius:6px;padding:10px 14px}`;

export function renderPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/**
 * The page behind every unsubscribe link. GET shows it and changes nothing (mail scanners prefetch links); its
 * forms POST back to the same URL: one button for the email's own list, and the full preference center.
 */
export function renderPreferenceCenter(params: {
  action: string;
  subject: UnsubscribeSubject;
  state: PreferenceState;
  notice?: string | undefined;
}): string {
  const { subject, state } = params;
  const action = escapeHtml(params.action);
  const categories = knownCategories(subject.category, state);
  const scope = subject.category ? labelFor(subject.category).toLowerCase() : "all non-essential emails";
  const already = state.globallyUnsubscribed
    ? true
    : subject.category !== null && state.unsubscribedCategories.includes(subject.category);
  const checkboxes = categories
    .map((category) => {
      const subscribed = !state.unsubscribedCategories.includes(category.key);
      return `<label><input type="checkbox" name="subscribed" value="${escapeHtml(category.key)}"${subscribed ? " checked" : ""}> ${escapeHtml(category.label)}<small>${escapeHtml(category.description)}</small></label>`;
    })
    .join("");
  return renderPage(
    "Email preferences",
    `<h1>Email preferences</h1>
${params.notice ? `<p class="notice" role="status">${escapeHtml(params.notice)}</p>` : ""}
<p>These settings are for <strong>${escapeHtml(subject.email)}</strong>.</p>
${
  already
    ? `<p>You are unsubscribed from ${escapeHtml(scope)}.</p>`
    : `<form method="post" action="${action}"><input type="hidden" name="intent" value="unsubscribe">
<p>Stop receiving ${escapeHtml(scope)}?</p><button type="submit" id="unsubscribe">Unsubscribe</button></form>`
}
<form method="post" action="${action}"><input type="hidden" name="intent" value="preferences">
<fieldset><legend>Send me</legend>${checkboxes}</fieldset>
<label><input type="checkbox" name="global" value="unsubscribed"${state.globallyUnsubscribed ? " checked" : ""}> Unsubscribe from all non-essential email</label>
<p><small style="margin:0">Receipts, security and billing notices are always sent.</small></p>
<button type="submit" id="save" class="secondary">Save preferences</button></form>`,
  );
}

export function renderInvalidLinkPage(): string {
  return renderPage(
    "Link not valid",
    `<h1>This link is not valid</h1><p>The unsubscribe link is incomplete or has been changed, so nothing was changed.
Please use the link from the most recent email you received, or reply to that email and we will help.</p>`,
  );
}

export function renderUnsubscribedPage(subject: UnsubscribeSubject, scope: "global" | string): string {
  const what = scope === "global" ? "all non-essential emails" : labelFor(scope).toLowerCase();
  return renderPage(
    "Unsubscribed",
    `<h1>You are unsubscribed</h1><p><strong>${escapeHtml(subject.email)}</strong> will no longer receive ${escapeHtml(what)}.</p>`,
  );
}

function knownCategories(current: string | null, state: PreferenceState) {
  const keys = new Set(PREFERENCE_CATEGORIES.map((c) => c.key));
  const extra = [current, ...state.unsubscribedCategories].filter(
    (key): key is string => key !== null && key !== "transactional" && !keys.has(key),
  );
  return [
    ...PREFERENCE_CATEGORIES,
    ...[...new Set(extra)].map((key) => ({ key, label: labelFor(key), description: "" })),
  ];
}

function labelFor(category: string): string {
  return (
    PREFERENCE_CATEGORIES.find((c) => c.key === category)?.label ??
    `${category.charAt(0).toUpperCase()}${category.slice(1)} emails`
  );
}
