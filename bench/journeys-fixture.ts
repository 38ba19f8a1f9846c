import { defineJourney, hours } from "../src/index.js";

/** The benchmark's short journey: enroll, checkpoint, short sleep, complete. */
export const benchShort = defineJourney({
  meta: {
    id: "bench-short",
    name: "Bench — short",
    enabled: true,
    trigger: { event: "bench.start" },
    entryLimit: "unlimited",
    suppress: hours(1),
    exitOn: [{ event: "bench.exit" }],
  },
  run: async (_user, ctx) => {
    await ctx.checkpoint("enrolled");
    await ctx.sleep({ duration: { seconds: 1 }, label: "nap" });
  },
});

export const journeys = [benchShort];
export default journeys;
