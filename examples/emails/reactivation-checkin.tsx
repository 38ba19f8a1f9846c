import { defineTemplate } from "hogsend/email";
import { z } from "zod";
import { baseProps, greeting } from "./base-props.js";
import { EmailLayout, Paragraph } from "./email-layout.js";

export const reactivationCheckin = defineTemplate({
  key: "reactivation-checkin",
  category: "marketing",
  description: "A check-in for users who have gone quiet.",
  props: z.object({ ...baseProps }),
  previewProps: { firstName: "Ada" },
  component: (p) => (
    <EmailLayout
      preview="We haven't seen you in a while: here's what's new"
      heading="It's been a while"
      cta={{ label: `See what's new in ${p.productName}`, href: `${p.appUrl}/changelog` }}
    >
      <Paragraph>{greeting(p.firstName)}</Paragraph>
      <Paragraph>We've shipped a lot since you last logged in. Come take a look.</Paragraph>
    </EmailLayout>
  ),
});
