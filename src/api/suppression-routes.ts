import { Hono } from "hono";
import { z } from "zod";
import {
  addSuppression,
  getSuppression,
  listSuppressions,
  removeSuppression,
  SUPPRESSION_REASONS,
} from "../email/suppression/suppression-store.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { boundedInt, safeText, storableTimestamp } from "../lib/input-guard/index.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseBody, parseParams, parseQuery } from "./parse-body.js";
import { readJsonBody } from "./read-json-body.js";
import { requireApiKey } from "./require-api-key.js";

const addBody = z.strictObject({
  email: z.email().max(320),
  reason: z.enum(SUPPRESSION_REASONS).default("manual"),
  note: safeText(1000, { min: 0 }).optional(),
});

const listQuery = z.object({
  email: safeText(320, { min: 0 }).optional(),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  limit: boundedInt(1, 500).default(100),
  before: storableTimestamp().optional(),
});

const emailParam = z.object({ email: safeText(320) });

/**
 * Admin suppression list: `GET /v1/admin/suppressions[?email=&reason=&limit=&before=]`,
 * `POST /v1/admin/suppressions { email, reason?, note? }`, `DELETE /v1/admin/suppressions/:email`.
 */
export function createSuppressionRoutes({ db, authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.use("/v1/admin/suppressions", requireApiKey(authenticate, ["admin"]));
  routes.use("/v1/admin/suppressions/*", requireApiKey(authenticate, ["admin"]));

  routes.get("/v1/admin/suppressions", async (c) => {
    const query = parseQuery(listQuery, c);
    if (query.email !== undefined) {
      const one = await getSuppression(db, query.email);
      return c.json({ data: one ? [one] : [] });
    }
    const data = await listSuppressions(db, {
      limit: query.limit,
      reason: query.reason,
      before: query.before,
    });
    const last = data.at(-1);
    return c.json({
      data,
      nextBefore: data.length === query.limit && last ? last.createdAt.toISOString() : null,
    });
  });

  routes.post("/v1/admin/suppressions", async (c) => {
    const input = parseBody(addBody, await readJsonBody(c));
    const created = await addSuppression(db, {
      email: input.email,
      reason: input.reason,
      source: "admin",
      note: input.note,
    });
    const suppression = await getSuppression(db, input.email);
    return c.json({ created, suppression }, created ? 201 : 200);
  });

  routes.delete("/v1/admin/suppressions/:email", async (c) => {
    const { email } = parseParams(emailParam, c);
    if (!(await removeSuppression(db, email))) {
      throw new HogsendError(ErrorCodes.NOT_FOUND, `${email} is not suppressed`);
    }
    return c.json({ removed: true, email: email.toLowerCase() });
  });
  return routes;
}
