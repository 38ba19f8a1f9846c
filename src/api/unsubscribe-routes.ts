import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  renderInvalidLinkPage,
  renderPreferenceCenter,
  renderUnsubscribedPage,
} from "../email/unsubscribe/preference-page.js";
import {
  type PreferenceForm,
  savePreferences,
  unsubscribe,
} from "../email/unsubscribe/preference-service.js";
import { getPreferenceState } from "../email/unsubscribe/preference-store.js";
import { verifyUnsubscribeToken } from "../email/unsubscribe/unsubscribe-token.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Clock } from "../lib/clock.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { createRouter, errors } from "./openapi-router.js";

export interface UnsubscribeRouteOptions {
  /** config.email.linkSecrets: any of them verifies. */
  secrets: readonly string[];
  clock: Clock;
}

const tokenParam = z.object({ token: z.string().openapi({ param: { name: "token", in: "path" } }) });
const page200 = {
  description: "The page",
  content: { "text/html": { schema: { type: "string" as const } } },
};
const page400 = {
  description: "The token does not verify (a page; nothing changes), or the form body is unreadable",
  content: { "text/html": { schema: { type: "string" as const } } },
};

const showRoute = createRoute({
  method: "get",
  path: "/u/{token}",
  tags: ["Links in emails"],
  summary: "Preference center (changes nothing)",
  request: { params: tokenParam },
  responses: { 200: page200, 400: page400 },
});

const submitRoute = createRoute({
  method: "post",
  path: "/u/{token}",
  tags: ["Links in emails"],
  summary: "One-click unsubscribe (RFC 8058) or the preference center's form",
  request: {
    params: tokenParam,
    body: {
      description:
        "`List-Unsubscribe=One-Click`, no body, or the page's form (`intent`, `subscribed`, `global`)",
      content: {
        "application/x-www-form-urlencoded": { schema: { type: "object", additionalProperties: true } },
      },
    },
  },
  responses: { 200: page200, 400: page400, ...errors() },
});

/**
 * The public unsubscribe URL, `/u/:token`, with no login:
 * - GET shows the preference center and never changes anything, because mail scanners and link previews fetch
 *   every URL in an email;
 * - POST with the RFC 8058 body `List-Unsubscribe=One-Click` (or no body) unsubscribes at once, answering 200
 *   with a small page and no redirect, as mailbox providers expect;
 * - POST from the page's own forms applies the button or the saved preferences.
 * A token that does not verify gets a 400 page and changes nothing.
 */
export function createUnsubscribeRoutes({ db }: RouteContext, options: UnsubscribeRouteOptions) {
  return createRouter()
    .openapi(showRoute, async (c) => {
      const subject = verifyUnsubscribeToken(c.req.valid("param").token, options.secrets);
      if (!subject) return page(c, renderInvalidLinkPage(), 400);
      const state = await getPreferenceState(db, subject);
      return page(c, renderPreferenceCenter({ action: c.req.path, subject, state }), 200);
    })
    .openapi(submitRoute, async (c) => {
      const subject = verifyUnsubscribeToken(c.req.valid("param").token, options.secrets);
      if (!subject) return page(c, renderInvalidLinkPage(), 400);
      const form = await readForm(c);
      const now = options.clock.now();
      const intent = [form.intent ?? []].flat()[0];
      if (intent === "preferences") {
        await savePreferences(db, subject, form, now);
        const state = await getPreferenceState(db, subject);
        const notice = "Your preferences are saved.";
        return page(c, renderPreferenceCenter({ action: c.req.path, subject, state, notice }), 200);
      }
      const via = intent === "unsubscribe" ? "preference_center" : "one_click";
      const scope = await unsubscribe(db, subject, via, now);
      return page(c, renderUnsubscribedPage(subject, scope), 200);
    });
}

async function readForm(c: Context<ApiEnv>): Promise<PreferenceForm> {
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return {};
  let body: Awaited<ReturnType<typeof c.req.parseBody>>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch (error) {
    // A multipart body without its boundary, or cut short: the client's fault, and nothing to act on.
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "The form body could not be read", {
      cause: error,
      details: [{ path: "(body)", message: "is not a valid form body" }],
    });
  }
  const form: PreferenceForm = {};
  for (const [key, value] of Object.entries(body)) {
    form[key] = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
  }
  return form;
}

function page(c: Context<ApiEnv>, html: string, status: 200 | 400) {
  // The token in the URL is a credential for this person's preferences: keep it out of caches and referrers.
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Robots-Tag", "noindex");
  c.header(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  );
  return c.html(html, status);
}
