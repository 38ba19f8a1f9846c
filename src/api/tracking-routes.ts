import { createRoute, z } from "@hono/zod-openapi";
import type { Config } from "../config.js";
import { verifyClickToken, verifyOpenToken } from "../email/tracking/tracking-token.js";
import { renderPage } from "../email/unsubscribe/preference-page.js";
import { createTrackingRecorder } from "../email/webhooks/record-tracking.js";
import type { Clock } from "../lib/clock.js";
import type { RouteContext } from "./create-api.js";
import { createRouter } from "./openapi-router.js";

export interface TrackingRouteOptions {
  secrets: readonly string[];
  softBounce: Config["email"]["softBounce"];
  clock: Clock;
}

// The smallest transparent GIF.
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

const html = (description: string) => ({
  description,
  content: { "text/html": { schema: { type: "string" as const } } },
});

const openRoute = createRoute({
  method: "get",
  path: "/t/o/{file}",
  tags: ["Links in emails"],
  summary: "Open-tracking pixel",
  description:
    "`{token}.gif`, signed with the link secret. Always answers the pixel; only a valid token records.",
  request: { params: z.object({ file: z.string().openapi({ param: { name: "file", in: "path" } }) }) },
  responses: {
    200: {
      description: "A 1×1 GIF",
      content: { "image/gif": { schema: { type: "string", format: "binary" } } },
    },
  },
});

const clickRoute = createRoute({
  method: "get",
  path: "/t/c/{token}",
  tags: ["Links in emails"],
  summary: "Click-tracking redirect",
  request: { params: z.object({ token: z.string().openapi({ param: { name: "token", in: "path" } }) }) },
  responses: {
    302: { description: "Redirect to the link's URL" },
    400: html("The token does not verify; nothing is recorded"),
  },
});

/**
 * `GET /t/o/:token.gif` (open pixel) and `GET /t/c/:token` (click redirect). Recording never blocks the
 * reader: a failed write is logged and the pixel or redirect is still served.
 */
export function createTrackingRoutes({ db }: RouteContext, options: TrackingRouteOptions) {
  const tracking = createTrackingRecorder(db, options);
  return createRouter()
    .openapi(openRoute, async (c) => {
      const { file } = c.req.valid("param");
      const opened = file.endsWith(".gif") ? verifyOpenToken(file.slice(0, -4), options.secrets) : undefined;
      if (opened) {
        await tracking
          .recordOpen({ messageId: opened.messageId, userAgent: c.req.header("user-agent") })
          .catch((error) =>
            c.get("logger").warn({ err: error, type: "opened" }, "could not record tracking"),
          );
      }
      c.header("Cache-Control", "no-store, max-age=0");
      return c.body(PIXEL, 200, { "Content-Type": "image/gif" });
    })
    .openapi(clickRoute, async (c) => {
      const click = verifyClickToken(c.req.valid("param").token, options.secrets);
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
      await tracking
        .recordClick({ messageId: click.messageId, userAgent: c.req.header("user-agent") }, click.url)
        .catch((error) => c.get("logger").warn({ err: error, type: "clicked" }, "could not record tracking"));
      c.header("Cache-Control", "no-store");
      c.header("Referrer-Policy", "no-referrer");
      return c.redirect(click.url, 302);
    });
}
