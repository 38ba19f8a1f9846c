import { defineTemplate } from "hogsend/email";
import { z } from "zod";
import { baseProps, greeting } from "./base-props.js";
import { EmailLayout, Paragraph } from "./email-layout.js";

export const conversionWinbackOffer = defineTemplate({
  key: "conversion-winback-offer",
  category: "marketing",
  description: "Abandoned checkout: a reminder, optionally with a discount.",
  props: z.object({ ...baseProps, discountPercent: z.number().int().min(1).max(100).optional() }),
  previewProps: { firstName: "Ada", discountPercent: 10 },
  component: (p) => (
    <EmailLayout
      preview={
        p.discountPercent ? `${p.discountPercent}% off if you finish today` : "You left something behind"
      }
      heading={
        p.discountPercent ? `Still interested? Here's ${p.discountPercent}% off` : "You left something behind"
      }
      cta={{ label: "Complete your purchase", href: `${p.appUrl}/checkout` }}
    >
      <Paragraph>{greeting(p.firstName)}</Paragraph>
      <Paragraph>Your checkout is saved: pick up right where you left off.</Paragraph>
      {p.discountPercent ? (
        <Paragraph>
          Use code COMEBACK{p.discountPercent} at checkout for {p.discountPercent}% off your first month.
        </Paragraph>
      ) : null}
    </EmailLayout>
  ),
});
