import { z } from "zod";
import { safeText } from "../lib/input-guard/index.js";

/**
 * A broadcast's audience: conditions over contact properties, category subscriptions and event history, all of
 * which (`match: "all"`, the default) or any of which (`"any"`) must hold. Whatever the conditions, the audience
 * never includes a contact without an address, one unsubscribed from everything, or one unsubscribed from the
 * broadcast's category. Compiled into one SQL statement by `audience-sql.ts`.
 *
 * @example
 * { match: "all", conditions: [
 *   { type: "property", property: "plan", operator: "eq", value: "pro" },
 *   { type: "event", event: "feature.used", did: true, within: { days: 30 } },
 *   { type: "event", event: "upgraded", did: false } ] }
 */
const propertyName = safeText(200).regex(/^[^.]+(\.[^.]+)*$/, "must be a property name or dotted path");
const scalar = z.union([safeText(1000, { min: 0 }), z.number().finite(), z.boolean()]);

const propertyCondition = z.discriminatedUnion("operator", [
  z.strictObject({
    type: z.literal("property"),
    property: propertyName,
    operator: z.enum(["exists", "not_exists"]),
  }),
  z.strictObject({
    type: z.literal("property"),
    property: propertyName,
    operator: z.enum(["eq", "neq"]),
    value: scalar,
  }),
  z.strictObject({
    type: z.literal("property"),
    property: propertyName,
    operator: z.enum(["contains", "not_contains"]),
    value: z.union([safeText(1000), z.number().finite(), z.boolean()]),
  }),
  z.strictObject({
    type: z.literal("property"),
    property: propertyName,
    operator: z.enum(["gt", "gte", "lt", "lte"]),
    value: z.union([safeText(100), z.number().finite()]),
  }),
]);

const within = z
  .strictObject({
    days: z.number().int().min(1).max(3650).optional(),
    hours: z.number().int().min(1).max(87_600).optional(),
  })
  .refine((w) => (w.days === undefined) !== (w.hours === undefined), "give exactly one of days or hours");

const eventCondition = z.strictObject({
  type: z.literal("event"),
  event: safeText(200),
  /** true: did it (within the window, or ever); false: never did it (within the window, or ever). */
  did: z.boolean(),
  within: within.optional(),
});

const subscribedCondition = z.strictObject({
  type: z.literal("subscribed"),
  /** Also require the contact not to have left this category (the broadcast's own is always required). */
  category: safeText(100),
});

export const audienceConditionSchema = z.union([propertyCondition, eventCondition, subscribedCondition]);

export const audienceSchema = z.strictObject({
  match: z.enum(["all", "any"]).default("all"),
  conditions: z.array(audienceConditionSchema).max(50).default([]),
});

export type AudienceCondition = z.infer<typeof audienceConditionSchema>;
export type Audience = z.infer<typeof audienceSchema>;
