import { sendEmail } from "../../src/email/index.js";
import { defineJourney, seconds } from "../../src/index.js";
import { currentRun } from "../../src/journeys/durable-effect.js";

/** An effect row written in the effect's own transaction: a repeat would show as a second (run, position). */
async function recordEffect(label: string): Promise<void> {
  await currentRun()!.effect("chaos-effect", label, async (tx, key) => {
    await tx.query("INSERT INTO chaos_effects (run_id, position) VALUES ($1, $2)", [key.runId, key.position]);
    return key.position;
  });
}

/**
 * The chaos run's journey: an effect, an email, a sleep that spans the outages, a second effect and a second
 * email. Subjects name the user, so a duplicate at the provider is visible by content as well as by key.
 */
export const chaos = defineJourney({
  meta: {
    id: "chaos",
    name: "Chaos",
    enabled: true,
    trigger: { event: "chaos.start" },
    entryLimit: "once",
    suppress: seconds(1),
  },
  run: async (user, ctx) => {
    await recordEffect("first");
    await sendEmail({
      to: user.email,
      userId: user.id,
      template: "activation/welcome",
      subject: `Welcome ${user.id}`,
      journeyName: user.journeyName,
    });
    const nap = await ctx.step("pick", () => 1 + Math.floor(Math.random() * 4));
    await ctx.sleep({ duration: seconds(nap), label: "nap" });
    await recordEffect("second");
    await sendEmail({
      to: user.email,
      userId: user.id,
      template: "activation/nudge",
      subject: `Nudge ${user.id}`,
      journeyName: user.journeyName,
    });
  },
});

export const journeys = [chaos];
export default journeys;
