import { createRoute, z } from "@hono/zod-openapi";
import { suppressAddress, unsuppressAddress } from "../email/suppression/admin-suppressions.js";
import {
  getSuppression,
  listSuppressions,
  SUPPRESSION_REASONS,
} from "../email/suppression/suppression-store.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { boundedInt, safeText } from "../lib/input-guard/index.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import {
  API_KEY_SECURITY,
  createRouter,
  cursorParam,
  dataOf,
  errors,
  json,
  jsonBody,
  pageOf,
} from "./openapi-router.js";

const SuppressionSchema = z
  .object({
    email: z.string(),
    reason: z.enum(SUPPRESSION_REASONS),
    source: z.string(),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Suppression");

const listRoute = createRoute({
  method: "get",
  path: "/suppressions",
  tags: ["Suppressions"],
  summary: "The suppression list, newest first (or the one entry for `email`)",
  security: API_KEY_SECURITY,
  request: {
    query: z.object({
      email: safeText(320, { min: 0 }).optional(),
      reason: z.enum(SUPPRESSION_REASONS).optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 500).default(100),
    }),
  },
  responses: { 200: json(pageOf(SuppressionSchema), "A page of suppressions"), ...errors(400, 401, 403) },
});

const addRoute = createRoute({
  method: "post",
  path: "/suppressions",
  tags: ["Suppressions"],
  summary: "Suppress an address",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            email: z.email().max(320),
            reason: z.enum(SUPPRESSION_REASONS).default("manual"),
            note: safeText(1000, { min: 0 }).optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: json(dataOf(SuppressionSchema), "Already suppressed: the existing entry"),
    201: json(dataOf(SuppressionSchema), "Suppressed"),
    ...errors(400, 401, 403, 413, 415),
  },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/suppressions/{email}",
  tags: ["Suppressions"],
  summary: "Remove an address from the suppression list",
  security: API_KEY_SECURITY,
  request: { params: z.object({ email: safeText(320).openapi({ param: { name: "email", in: "path" } }) }) },
  responses: {
    200: json(dataOf(z.object({ removed: z.literal(true), email: z.string() })), "Removed"),
    ...errors(400, 401, 403, 404),
  },
});

/** The suppression list: addresses never to be mailed (bounces, complaints, manual). */
export function createSuppressionRoutes({ db }: RouteContext) {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const query = c.req.valid("query");
      if (query.email !== undefined) {
        const one = await getSuppression(db, query.email);
        return c.json({ data: one ? [one] : [], nextCursor: null }, 200);
      }
      return c.json(await listSuppressions(db, query), 200);
    })
    .openapi(addRoute, async (c) => {
      const input = c.req.valid("json");
      const { suppression, created } = await suppressAddress(
        db,
        { email: input.email, reason: input.reason, note: input.note },
        auditContextOf(c),
      );
      return created ? c.json({ data: suppression }, 201) : c.json({ data: suppression }, 200);
    })
    .openapi(removeRoute, async (c) => {
      const { email } = c.req.valid("param");
      if (!(await unsuppressAddress(db, email, auditContextOf(c)))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `${email} is not suppressed`);
      }
      return c.json({ data: { removed: true as const, email: email.toLowerCase() } }, 200);
    });
}
