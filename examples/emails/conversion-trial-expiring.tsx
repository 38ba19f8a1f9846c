import { defineTemplate } from "hogsend/email";
import { z } from "zod";
import { baseProps, greeting } from "./base-props.js";
import { EmailLayout, Paragraph } from "./email-layout.js";

export const conversionTrialExpiring = defineTemplate({
  key: "conversion-trial-expiring",
  category: "product",
  description: "The trial ends soon.",
  props: z.object({ ...baseProps, daysLeft: z.number().int().min(0).max(365).default(3) }),
  previewProps: { firstName: "Ada", daysLeft: 3 },
  component: (p) => (
    <EmailLayout
      preview={`Your trial ends in ${p.daysLeft} day${p.daysLeft === 1 ? "" : "s"}`}
      heading="Your trial is ending soon"
      cta={{ label: "Choose a plan", href: `${p.appUrl}/billing/plans` }}
    >
      <Paragraph>{greeting(p.firstName)}</Paragraph>
      <Paragraph>
        Your {p.productName} trial ends in {p.daysLeft} day{p.daysLeft === 1 ? "" : "s"}. Pick a plan to keep
        your journeys running.
      </Paragraph>
    </EmailLayout>
  ),
});
