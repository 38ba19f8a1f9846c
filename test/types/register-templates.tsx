// A user's project as the compiler sees it: templates registered through `interface Register`, so a mistyped
// template key or a wrong prop is a compile error in the editor. Checked by `tsc -p test/types` (see
// test/template-types.test.ts): every `@ts-expect-error` below must meet an error, or tsc fails.
import { defineConfig, defineJourney, hours } from "hogsend";
import { type createEmailClient, defineTemplate, sendEmail, type TemplateKey } from "hogsend/email";
import { z } from "zod";

const welcome = defineTemplate({
  key: "welcome",
  category: "product",
  subject: (p) => `Welcome, ${p.firstName ?? "friend"}`,
  props: z.object({ firstName: z.string().optional(), plan: z.enum(["free", "pro"]).default("free") }),
  component: (p, { contact }) => (
    <p>
      Hi {p.firstName ?? contact.email}, you are on {p.plan}
    </p>
  ),
});

const receipt = defineTemplate({
  key: "billing/receipt",
  category: "transactional",
  props: z.object({ amountCents: z.number().int() }),
  component: (p) => <p>{p.amountCents}</p>,
});

export const templates = [welcome, receipt];

declare module "hogsend" {
  interface Register {
    templates: typeof templates;
  }
}

export const journey = defineJourney({
  meta: {
    id: "welcome",
    name: "Welcome",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "once",
    suppress: hours(1),
  },
  run: async (user) => {
    await sendEmail({ to: user.email, userId: user.id, template: "welcome", props: { plan: "pro" } });
    await sendEmail({
      to: user.email,
      template: "billing/receipt",
      subject: "Receipt",
      props: { amountCents: 1 },
    });
    // @ts-expect-error: no template "welcom" (a typo)
    await sendEmail({ to: user.email, template: "welcom" });
    // @ts-expect-error: `plan` is "free" | "pro"
    await sendEmail({ to: user.email, template: "welcome", props: { plan: "enterprise" } });
    // @ts-expect-error: `amountCents` is a number
    await sendEmail({ to: user.email, template: "billing/receipt", props: { amountCents: "12" } });
    // @ts-expect-error: "welcome" has no prop `amountCents`
    await sendEmail({ to: user.email, template: "welcome", props: { amountCents: 1 } });
  },
});

const keys: TemplateKey[] = ["welcome", "billing/receipt"];
// @ts-expect-error: TemplateKey is the union of registered keys, not string
const wrongKey: TemplateKey = "nope";

declare const client: ReturnType<typeof createEmailClient>;
void client.send({ to: "a@example.com", template: "welcome" });
// @ts-expect-error: the email client is typed from the registry too
void client.send({ to: "a@example.com", template: "welcom" });

export default defineConfig({ journeys: [journey], templates });
export { keys, wrongKey };
