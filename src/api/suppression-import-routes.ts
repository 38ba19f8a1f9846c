import { createRoute, z } from "@hono/zod-openapi";
import { importSuppressions } from "../email/suppression/import-suppressions.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, dataOf, errors, json } from "./openapi-router.js";

const importRoute = createRoute({
  method: "post",
  path: "/suppressions/import",
  tags: ["Suppressions"],
  summary: "Import suppressions from CSV (email[,reason]); all or nothing, audited",
  description:
    "One address per line, optionally with a reason (hard_bounce, soft_bounce, complaint, manual; default " +
    "manual) and an optional `email,reason` header. A single bad row refuses the file and nothing is stored.",
  security: API_KEY_SECURITY,
  request: {
    body: { required: true, content: { "text/csv": { schema: { type: "string" } } } },
  },
  responses: {
    200: json(
      dataOf(
        z.object({ rows: z.number().int(), added: z.number().int(), alreadySuppressed: z.number().int() }),
      ),
      "What was imported",
    ),
    ...errors(400, 401, 403, 413, 415),
  },
});

/** POST /suppressions/import. */
export function createSuppressionImportRoutes({ db }: RouteContext) {
  return createRouter().openapi(importRoute, async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "text/csv") {
      throw new HogsendError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, "Send the CSV as text/csv");
    }
    const summary = await importSuppressions(db, await c.req.text(), auditContextOf(c));
    return c.json({ data: summary }, 200);
  });
}
