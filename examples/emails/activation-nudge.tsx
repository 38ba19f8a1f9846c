import { defineTemplate } from "hogsend/email";
import { z } from "zod";
import { baseProps, greeting } from "./base-props.js";
import { EmailLayout, Paragraph } from "./email-layout.js";

export const activationNudge = defineTemplate({
  key: "activation/nudge",
  category: "product",
  description: "For users who have not used the key feature two days after sign-up.",
  props: z.object({ ...baseProps }),
  previewProps: { firstName: "Ada" },
  component: (p) => (
    <EmailLayout
      preview="You haven't tried the key feature yet: it takes two minutes"
      heading="You haven't tried the key feature yet"
      cta={{ label: "Try it now", href: `${p.appUrl}/getting-started` }}
    >
      <Paragraph>{greeting(p.firstName)}</Paragraph>
      <Paragraph>
        Most people who stick with {p.productName} set up their first journey in the first few days. It takes
        about two minutes, and we'll walk you through it.
      </Paragraph>
    </EmailLayout>
  ),
});
