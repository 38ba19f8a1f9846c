import { validateJourney } from "./journey-meta-schema.js";
import type { DefinedJourney, JourneyMeta, JourneyRunFunction } from "./journey-types.js";

/**
 * Defines a journey: `meta` says when users enter and leave it, `run` is its durable logic. The meta is
 * validated now (a bad meta throws `JOURNEY_INVALID` naming the journey and the field) and again at load.
 *
 * @example
 * export const welcome = defineJourney({
 *   meta: { id: "welcome", name: "Welcome", enabled: true, trigger: { event: "user.created" },
 *           entryLimit: "once", suppress: hours(12) },
 *   run: async (user, ctx) => { await ctx.sleep({ duration: days(2), label: "post-welcome" }); },
 * });
 */
export function defineJourney(definition: { meta: JourneyMeta; run: JourneyRunFunction }): DefinedJourney {
  const journey = validateJourney(definition);
  return Object.freeze({ meta: Object.freeze({ ...journey.meta }), run: journey.run });
}
