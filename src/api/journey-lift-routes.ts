import { createRoute, z } from "@hono/zod-openapi";
import { ErrorCodes, HogsendError } from "../errors.js";
import { journeyHasHistory } from "../journeys/journey-insights.js";
import type { JourneyRegistry } from "../journeys/journey-registry.js";
import { readLiftReport } from "../journeys/lift-report-store.js";
import { safeText } from "../lib/input-guard/index.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, dataOf, errors, json } from "./openapi-router.js";

const counts = {
  entered: z.number().int().openapi({ description: "Distinct users in the group" }),
  converted: z.number().int().openapi({ description: "Of them, users with a run that met the goal" }),
  conversionRate: z
    .number()
    .nullable()
    .openapi({ description: "converted / entered; null with nobody in it" }),
};

const LiftGroupSchema = z.object({
  ...counts,
  lift: z
    .object({
      absolute: z.number().openapi({ description: "Conversion rate minus the control's" }),
      relative: z.number().openapi({ description: "The absolute lift over the control's rate" }),
      winProbability: z.number().openapi({
        description: "P(this group's rate > the control's), Beta(1,1) priors, computed exactly",
      }),
    })
    .nullable(),
  hiddenReason: z
    .enum(["no_goal", "no_holdout", "below_minimum_conversions"])
    .nullable()
    .openapi({
      description:
        "Why lift is null: the journey has no meta.goal, nobody is held out, or either side has fewer " +
        "than minimumConversions conversions",
    }),
});

const LiftReportSchema = z
  .object({
    journeyId: z.string(),
    goal: z
      .unknown()
      .openapi({ description: "The journey's meta.goal; null when it has none (or is not deployed)" }),
    holdout: z.number().nullable().openapi({ description: "The journey's meta.holdout fraction" }),
    minimumConversions: z.number().int(),
    control: z.object(counts).openapi({ description: "Held-out users (status held_out)" }),
    treatment: LiftGroupSchema.openapi({ description: "Users who entered the journey" }),
    variants: z.array(LiftGroupSchema.extend({ experiment: z.string(), arm: z.string() })).openapi({
      description: "Per ctx.variant experiment and arm, each against the control group",
    }),
  })
  .openapi("JourneyLiftReport");

const liftRoute = createRoute({
  method: "get",
  path: "/journeys/{journeyId}/lift",
  tags: ["Journeys"],
  summary: "Goal conversions and lift against the holdout, per journey and per variant arm",
  description:
    "Counts distinct users. Lift and win probability are null (with hiddenReason) until the group and the " +
    "control each have minimumConversions conversions.",
  security: API_KEY_SECURITY,
  request: {
    params: z.object({
      journeyId: safeText(200).openapi({ param: { name: "journeyId", in: "path" }, example: "welcome" }),
    }),
  },
  responses: { 200: json(dataOf(LiftReportSchema), "The lift report"), ...errors(400, 401, 403, 404) },
});

/** The lift report route (`GET /v1/admin/journeys/{journeyId}/lift`). */
export function createJourneyLiftRoutes(
  { db }: RouteContext,
  options: { registry: () => Promise<JourneyRegistry | undefined> },
) {
  return createRouter().openapi(liftRoute, async (c) => {
    const { journeyId } = c.req.valid("param");
    const meta = (await options.registry())?.get(journeyId)?.meta;
    if (!meta && !(await journeyHasHistory(db, journeyId))) {
      throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey ${journeyId}`);
    }
    return c.json({ data: await readLiftReport(db, journeyId, meta) }, 200);
  });
}
