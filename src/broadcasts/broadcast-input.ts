import { z } from "zod";
import { TEMPLATE_PROPS_LIMITS } from "../email/templates/template-props-limits.js";
import { sendWindowSchema } from "../journeys/send-window-schema.js";
import { safeJsonObject, safeText } from "../lib/input-guard/index.js";
import { audienceSchema } from "./audience-schema.js";

/** The most enqueues per second a broadcast may ask for. */
export const MAX_BROADCAST_RATE = 100_000;

/** A new broadcast, as the admin API and the CLI take it (checked against the templates by createBroadcast). */
export const createBroadcastSchema = z.strictObject({
  name: safeText(200),
  template: safeText(200),
  /** Required when the template declares no subject; otherwise overrides it. */
  subject: safeText(998).optional(),
  props: safeJsonObject(TEMPLATE_PROPS_LIMITS).optional(),
  /** Defaults to the template's category; its preferences, frequency cap and unsubscribe links apply. */
  category: safeText(100).optional(),
  audience: audienceSchema,
  /** Quiet hours: a recipient outside the window (in the contact's zone by default) waits until it opens. */
  sendWindow: sendWindowSchema.optional(),
  /** Enqueues per second (default HOGSEND_BROADCAST_RATE_PER_SECOND). */
  ratePerSecond: z.number().int().min(1).max(MAX_BROADCAST_RATE).optional(),
});

export type CreateBroadcastInput = z.input<typeof createBroadcastSchema>;
