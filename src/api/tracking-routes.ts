import { createHash } from "node:crypto";
import { type Context, Hono } from "hono";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { verifyClickToken, verifyOpenToken } from "../email/tracking/tracking-token.js";
import { renderPage } from "../email/unsubscribe/preference-page.js";
import type { EmailOutcome } from "../email/webhooks/email-outcome.js";
import { recordEmailOutcome } from "../email/webhooks/record-email-outcome.js";
import type { Clock } from "../lib/clock.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";

export interface TrackingRouteOptions {
  secrets: readonly string[];
  softBounce: Config["email"]["softBounce"];
  clock: Clock;
}

// The smallest transparent GIF.
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/**
 * `GET /t/o/:token.gif` (open pixel) and `GET /t/c/:token` (click redirect). Every open and click is a message
 * event; the event store gets the first open of a message and the first click of each link (`email.opened`,
 * `email.clicked`), which is what journeys branch on. Recording never blocks the reader: a failed write is logged
 * and the pixel or redirect is still served.
 */
export function trackingRoutes(options: TrackingRouteOptions) {
  return ({ db }: RouteContext): Hono<ApiEnv> => {
    const routes = new Hono<ApiEnv>();

    routes.get("/t/o/:file", async (c) => {
      const file = c.req.param("file");
      const opened = file.endsWith(".gif") ? verifyOpenToken(file.slice(0, -4), options.secrets) : undefined;
      if (opened) {
        await record(c, db, options, opened.messageId, "opened", `tracking:open:${opened.messageId}`, {});
      }
      c.header("Cache-Control", "no-store, max-age=0");
      return c.body(PIXEL, 200, { "Content-Type": "image/gif" });
    });

    routes.get("/t/c/:token", async (c) => {
      const click = verifyClickToken(c.req.param("token"), options.secrets);
      if (!click) {
        c.header("Cache-Control", "no-store");
        return c.html(
          renderPage(
            "Link not valid",
            "<h1>This link is not valid</h1><p>The link is incomplete or has been changed.</p>",
          ),
          400,
        );
      }
      const linkHash = createHash("sha256").update(click.url).digest("hex").slice(0, 16);
      await record(
        c,
        db,
        options,
        click.messageId,
        "clicked",
        `tracking:click:${click.messageId}:${linkHash}`,
        {
          link: click.url,
        },
      );
      c.header("Cache-Control", "no-store");
      c.header("Referrer-Policy", "no-referrer");
      return c.redirect(click.url, 302);
    });

    return routes;
  };
}

async function record(
  c: Context<ApiEnv>,
  db: Database,
  options: TrackingRouteOptions,
  messageId: string,
  type: "opened" | "clicked",
  eventKey: string,
  details: Record<string, unknown>,
): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      const found = await tx.query<{ to_email: string }>(
        "SELECT to_email FROM messages WHERE id = $1::uuid",
        [messageId],
      );
      const to = found.rows[0]?.to_email;
      if (!to) return;
      const userAgent = c.req.header("user-agent");
      const outcome: EmailOutcome = {
        type,
        email: to,
        occurredAt: options.clock.now(),
        hogsendMessageId: messageId,
        details: { ...details, ...(userAgent ? { userAgent: userAgent.slice(0, 300) } : {}) },
      };
      await recordEmailOutcome(tx, outcome, {
        source: "tracking",
        eventKey,
        eventSource: "system",
        softBounce: options.softBounce,
      });
    });
  } catch (error) {
    c.get("logger").warn({ err: error, messageId, type }, "could not record email tracking");
  }
}
