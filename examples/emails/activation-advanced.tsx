import { defineTemplate } from "hogsend/email";
import { z } from "zod";
import { baseProps, greeting } from "./base-props.js";
import { EmailLayout, Paragraph } from "./email-layout.js";

export const activationAdvanced = defineTemplate({
  key: "activation/advanced",
  category: "product",
  description: "For users who already used the key feature: what to try next.",
  props: z.object({ ...baseProps }),
  previewProps: { firstName: "Ada" },
  component: (p) => (
    <EmailLayout
      preview="You're off to a great start. Here's what to try next."
      heading="Nice work. Here's what to try next"
      cta={{ label: "Explore advanced features", href: `${p.appUrl}/features` }}
    >
      <Paragraph>{greeting(p.firstName)}</Paragraph>
      <Paragraph>
        You've already used the core of {p.productName}. Teams who go further set up branching journeys and
        exit rules next: they keep the right people in the right flow without extra work.
      </Paragraph>
    </EmailLayout>
  ),
});
