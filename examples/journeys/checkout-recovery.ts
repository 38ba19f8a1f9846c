import { days, defineJourney, hours } from "hogsend";

/**
 * The abandoned-checkout pattern: wait for the purchase for up to a day, then nudge once. `waitForEvent` resumes
 * the moment `checkout.completed` arrives (or with `null` at the timeout); no polling, no held worker.
 */
export const checkoutRecovery = defineJourney({
  meta: {
    id: "checkout-recovery",
    name: "Conversion — Checkout Recovery",
    enabled: true,
    trigger: { event: "checkout.started" },
    entryLimit: "once_per_period",
    entryPeriod: days(7),
    suppress: hours(4),
    exitOn: [{ event: "user.deleted" }],
  },
  run: async (user, ctx) => {
    const completed = await ctx.waitForEvent({
      event: "checkout.completed",
      where: [
        {
          type: "property",
          source: "context",
          property: "cartId",
          operator: "eq",
          value: user.properties.cartId ?? null,
        },
      ],
      timeout: days(1),
      label: "await-purchase",
    });
    if (completed) {
      await ctx.checkpoint("purchased");
      return;
    }
    if (!(await ctx.guard.isSubscribed())) return;
    await ctx.trigger({
      event: "checkout.nudge_due",
      userId: user.id,
      properties: { cartId: user.properties.cartId ?? null },
    });
    await ctx.checkpoint("nudged");
  },
});
