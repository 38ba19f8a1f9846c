import { defineTemplate } from "hogsend/email";
import { z } from "zod";
import { baseProps, greeting } from "./base-props.js";
import { EmailLayout, Paragraph } from "./email-layout.js";

export const feedbackNpsSurvey = defineTemplate({
  key: "feedback-nps-survey",
  category: "product",
  description: "How likely are you to recommend us? One click.",
  props: z.object({ ...baseProps }),
  previewProps: { firstName: "Ada" },
  component: (p) => (
    <EmailLayout
      preview={`One question about ${p.productName}`}
      heading="One quick question"
      cta={{ label: "Answer in one click", href: `${p.appUrl}/feedback/nps` }}
    >
      <Paragraph>{greeting(p.firstName)}</Paragraph>
      <Paragraph>How likely are you to recommend {p.productName} to a friend or colleague?</Paragraph>
    </EmailLayout>
  ),
});
