import { createRoute, z } from "@hono/zod-openapi";
import { setContactPreferences } from "../email/unsubscribe/admin-preferences.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Clock } from "../lib/clock.js";
import { safeText } from "../lib/input-guard/index.js";
import { auditContextOf } from "./audit-context.js";
import { userIdParam } from "./contact-routes.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, dataOf, errors, json, jsonBody } from "./openapi-router.js";

const putPreferencesRoute = createRoute({
  method: "put",
  path: "/contacts/{userId}/preferences",
  tags: ["Contacts"],
  summary: "Edit a contact's subscription and category preferences (audited)",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    params: userIdParam,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            globallyUnsubscribed: z.boolean().optional(),
            categories: z
              .record(safeText(100, { min: 1 }), z.boolean())
              .refine((value) => Object.keys(value).length <= 50, "at most 50 categories")
              .optional()
              .openapi({ description: "Category → subscribed (true) or unsubscribed (false)" }),
          }),
        },
      },
    },
  },
  responses: {
    200: json(
      dataOf(z.object({ globallyUnsubscribed: z.boolean(), unsubscribedCategories: z.array(z.string()) })),
      "The contact's preferences after the change",
    ),
    ...errors(400, 401, 403, 404, 415),
  },
});

/** PUT /contacts/{userId}/preferences. */
export function createContactPreferenceRoutes({ db }: RouteContext, options: { clock: Clock }) {
  return createRouter().openapi(putPreferencesRoute, async (c) => {
    const { userId } = c.req.valid("param");
    const state = await setContactPreferences(
      db,
      userId,
      c.req.valid("json"),
      options.clock.now(),
      auditContextOf(c),
    );
    if (!state) throw new HogsendError(ErrorCodes.NOT_FOUND, `No contact ${userId}`);
    return c.json({ data: state }, 200);
  });
}
