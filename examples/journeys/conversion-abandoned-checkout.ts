import { days, defineJourney, hours } from "hogsend";
import { sendEmail } from "hogsend/email";
import { Events, Templates } from "./constants/index.js";

/** The spec's "adding a new journey" example: a nudge now, and a discount a day later if they did not buy. */
export const conversionAbandonedCheckout = defineJourney({
  meta: {
    id: "conversion-abandoned-checkout",
    name: "Conversion — Abandoned Checkout",
    enabled: true,
    trigger: { event: Events.CHECKOUT_ABANDONED },
    entryLimit: "once_per_period",
    entryPeriod: days(7),
    suppress: hours(4),
    exitOn: [{ event: Events.CHECKOUT_COMPLETED }, { event: Events.USER_DELETED }],
  },

  run: async (user, ctx) => {
    // Immediate nudge
    await sendEmail({
      to: user.email,
      userId: user.id,
      template: Templates.CONVERSION_WINBACK_OFFER,
      subject: "You left something behind",
      journeyName: user.journeyName,
    });

    await ctx.sleep({ duration: days(1), label: "day-1-followup" });

    // Check if they came back
    const { found } = await ctx.history.hasEvent({
      userId: user.id,
      event: Events.CHECKOUT_COMPLETED,
      within: days(1),
    });

    if (!found) {
      await sendEmail({
        to: user.email,
        userId: user.id,
        template: Templates.CONVERSION_WINBACK_OFFER,
        subject: "Still interested? Here's 10% off",
        journeyName: user.journeyName,
        props: { discountPercent: 10 },
      });
    }
  },
});
