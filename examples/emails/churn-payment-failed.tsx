import { defineTemplate } from "hogsend/email";
import { z } from "zod";
import { baseProps, greeting } from "./base-props.js";
import { EmailLayout, Paragraph } from "./email-layout.js";

export const churnPaymentFailed = defineTemplate({
  key: "churn-payment-failed",
  // About the customer's account and money: sent even to users who unsubscribed from product mail.
  category: "transactional",
  description: "A payment failed; escalates as the grace period runs out.",
  props: z.object({ ...baseProps, gracePeriodDays: z.number().int().min(0).max(365).optional() }),
  previewProps: { firstName: "Ada", gracePeriodDays: 2 },
  component: (p) => (
    <EmailLayout
      preview="Your payment didn't go through: update your payment method to keep your plan"
      heading="Your payment didn't go through"
      cta={{ label: "Update payment method", href: `${p.appUrl}/billing` }}
    >
      <Paragraph>{greeting(p.firstName)}</Paragraph>
      <Paragraph>
        We couldn't charge your card for your {p.productName} subscription. This usually means the card
        expired or the bank declined the charge.
      </Paragraph>
      {p.gracePeriodDays === undefined ? null : (
        <Paragraph>
          {p.gracePeriodDays === 1
            ? "Your account will be downgraded tomorrow unless the payment goes through."
            : `Your account will be downgraded in ${p.gracePeriodDays} days unless the payment goes through.`}
        </Paragraph>
      )}
    </EmailLayout>
  ),
});
