import { z } from "zod";
import { ErrorCodes, HogsendError } from "../errors.js";
import { durationToMs, isDurationObject } from "../lib/duration.js";
import type { DefinedJourney, JourneyMeta } from "./journey-types.js";
import { sendWindowSchema } from "./send-window-schema.js";

const duration = z.custom<{ hours?: number; minutes?: number; seconds?: number }>(
  (value) => isDurationObject(value),
  "must be a duration such as days(2), hours(4) or minutes(30)",
);

const condition = z.object({
  type: z.literal("property"),
  source: z.enum(["context", "contact"]),
  property: z.string().min(1),
  operator: z.enum(["eq", "neq", "gt", "gte", "lt", "lte", "exists", "not_exists", "contains"]),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
});

const eventRule = z.object({ event: z.string().min(1), where: z.array(condition).optional() });

export const journeyMetaSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._:-]{0,99}$/, "must be lowercase letters, digits, . _ : - (max 100 chars)"),
    name: z.string().min(1),
    description: z.string().optional(),
    enabled: z.boolean(),
    trigger: eventRule,
    entryLimit: z.enum(["once", "once_per_period", "unlimited"]),
    entryPeriod: duration.optional(),
    exitOn: z.array(eventRule).optional(),
    suppress: duration,
    retry: z.object({ attempts: z.number().int().min(1).max(100), backoff: duration.optional() }).optional(),
    sendWindow: sendWindowSchema.optional(),
    personLookup: z.literal("posthog").optional(),
    goal: eventRule.extend({ within: duration, exitOnGoal: z.boolean().optional() }).strict().optional(),
    holdout: z.number().min(0).lt(1, "must be below 1 (a fraction of users held out)").optional(),
  })
  .superRefine((meta, issues) => {
    if (meta.entryLimit === "once_per_period" && meta.entryPeriod === undefined) {
      issues.addIssue({
        code: "custom",
        path: ["entryPeriod"],
        message: 'is required when entryLimit is "once_per_period"',
      });
    }
    if (meta.goal && durationToMs(meta.goal.within) <= 0) {
      issues.addIssue({ code: "custom", path: ["goal", "within"], message: "must be longer than zero" });
    }
  });

/** Validates a journey's meta; a bad meta is a `JOURNEY_INVALID` error naming the journey and each bad field. */
export function validateJourney(journey: unknown, where = "journey"): DefinedJourney {
  const candidate = journey as Partial<DefinedJourney> | null | undefined;
  const rawId = (candidate?.meta as { id?: unknown } | undefined)?.id;
  const label = typeof rawId === "string" ? `"${rawId}"` : `(${where})`;
  if (typeof candidate !== "object" || candidate === null || typeof candidate.run !== "function") {
    throw new HogsendError(
      ErrorCodes.JOURNEY_INVALID,
      `Journey ${label} must be { meta, run } (use defineJourney)`,
    );
  }
  const parsed = journeyMetaSchema.safeParse(candidate.meta);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => ({
      field: `meta.${issue.path.join(".")}`,
      message: issue.message,
    }));
    const lines = fields.map((f) => `  - ${f.field}: ${f.message}`).join("\n");
    throw new HogsendError(ErrorCodes.JOURNEY_INVALID, `Journey ${label} has an invalid meta:\n${lines}`, {
      details: { journeyId: rawId, fields },
    });
  }
  return { meta: candidate.meta as JourneyMeta, run: candidate.run };
}
