import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import type { Database, Queryable } from "../db/database.js";
import {
  PREFERENCE_CATEGORIES,
  renderInvalidLinkPage,
  renderPreferenceCenter,
  renderUnsubscribedPage,
} from "../email/unsubscribe/preference-page.js";
import {
  getPreferenceState,
  setCategoryUnsubscribe,
  setGlobalUnsubscribe,
} from "../email/unsubscribe/preference-store.js";
import { type UnsubscribeSubject, verifyUnsubscribeToken } from "../email/unsubscribe/unsubscribe-token.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { insertEvents } from "../events/event-store.js";
import type { Clock } from "../lib/clock.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";

export interface UnsubscribeRouteOptions {
  /** config.email.linkSecrets: any of them verifies. */
  secrets: readonly string[];
  clock: Clock;
}

/**
 * The public unsubscribe URL, `/u/:token`, with no login:
 * - GET shows the preference center and never changes anything, because mail scanners and link previews fetch
 *   every URL in an email;
 * - POST with the RFC 8058 body `List-Unsubscribe=One-Click` (or no body) unsubscribes at once, from the email's
 *   category when the token names one and from everything otherwise, answering 200 with a small page and no
 *   redirect, as mailbox providers expect;
 * - POST from the page's own forms applies the button or the saved preferences.
 * A token that does not verify gets a 400 page and changes nothing. Changes are published as events
 * (`email.unsubscribed`, `email.preferences_updated`) in the same transaction.
 */
export function unsubscribeRoutes(options: UnsubscribeRouteOptions) {
  return ({ db }: RouteContext): Hono<ApiEnv> => {
    const routes = new Hono<ApiEnv>();

    routes.get("/u/:token", async (c) => {
      const subject = verifyUnsubscribeToken(c.req.param("token"), options.secrets);
      if (!subject) return page(c, renderInvalidLinkPage(), 400);
      const state = await getPreferenceState(db, subject);
      return page(c, renderPreferenceCenter({ action: c.req.path, subject, state }), 200);
    });

    routes.post("/u/:token", async (c) => {
      const subject = verifyUnsubscribeToken(c.req.param("token"), options.secrets);
      if (!subject) return page(c, renderInvalidLinkPage(), 400);
      const form = await readForm(c);
      const now = options.clock.now();
      const intent = first(form.intent);
      if (intent === "preferences") {
        await savePreferences(db, subject, form, now);
        const state = await getPreferenceState(db, subject);
        return page(
          c,
          renderPreferenceCenter({
            action: c.req.path,
            subject,
            state,
            notice: "Your preferences are saved.",
          }),
          200,
        );
      }
      // One-click (RFC 8058), an empty POST, or the page's Unsubscribe button.
      const scope = subject.category ?? "global";
      await db.transaction(async (tx) => {
        if (scope === "global") await setGlobalUnsubscribe(tx, subject, now);
        else await setCategoryUnsubscribe(tx, subject, scope, now);
        await recordPreferenceEvent(tx, subject, now, "email.unsubscribed", {
          scope,
          via: intent === "unsubscribe" ? "preference_center" : "one_click",
        });
      });
      return page(c, renderUnsubscribedPage(subject, scope), 200);
    });

    return routes;
  };
}

type Form = Record<string, string | string[] | undefined>;

async function readForm(c: Context<ApiEnv>): Promise<Form> {
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
  const form: Form = {};
  for (const [key, value] of Object.entries(body)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
    form[key] = values;
  }
  return form;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function savePreferences(db: Database, subject: UnsubscribeSubject, form: Form, now: Date) {
  const subscribed = new Set([form.subscribed ?? []].flat());
  const categories = new Set(PREFERENCE_CATEGORIES.map((category) => category.key));
  if (subject.category && subject.category !== "transactional") categories.add(subject.category);
  const global = first(form.global) === "unsubscribed";
  await db.transaction(async (tx) => {
    for (const category of categories) {
      await setCategoryUnsubscribe(tx, subject, category, subscribed.has(category) ? null : now);
    }
    await setGlobalUnsubscribe(tx, subject, global ? now : null);
    await recordPreferenceEvent(tx, subject, now, "email.preferences_updated", {
      globallyUnsubscribed: global,
      unsubscribedCategories: [...categories].filter((category) => !subscribed.has(category)).sort(),
    });
  });
}

/**
 * Publishes the change as an event so journeys can react (exit on `email.unsubscribed`) and it shows in the
 * person's timeline. Address-only recipients have no user to attribute it to and are skipped.
 */
async function recordPreferenceEvent(
  q: Queryable,
  subject: UnsubscribeSubject,
  at: Date,
  event: string,
  properties: Record<string, unknown>,
): Promise<void> {
  if (subject.userId === null) return;
  await insertEvents(q, [
    {
      messageId: `${event}:${subject.userId}:${randomUUID()}`,
      event,
      userId: subject.userId,
      userEmail: subject.email,
      occurredAt: at,
      source: "system",
      properties,
    },
  ]);
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
