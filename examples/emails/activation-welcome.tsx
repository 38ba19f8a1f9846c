import { defineTemplate } from "hogsend/email";
import { z } from "zod";
import { baseProps, greeting } from "./base-props.js";
import { EmailLayout, Paragraph } from "./email-layout.js";

export const activationWelcome = defineTemplate({
  key: "activation/welcome",
  category: "product",
  description: "First email after sign-up: what to do first.",
  props: z.object({ ...baseProps }),
  previewProps: { firstName: "Ada" },
  component: (p) => (
    <EmailLayout
      preview={`Welcome to ${p.productName}: three minutes to your first journey`}
      heading={`Welcome to ${p.productName}`}
      cta={{ label: "Finish setting up", href: `${p.appUrl}/setup` }}
    >
      <Paragraph>{greeting(p.firstName)}</Paragraph>
      <Paragraph>
        Thanks for signing up. The fastest way to see what {p.productName} can do is to connect your first
        event source and send yourself a test journey.
      </Paragraph>
    </EmailLayout>
  ),
});
