/**
 * `hogsend/email`: templates and sending.
 *
 * ```ts
 * import { defineTemplate, sendEmail } from "hogsend/email";
 * // inside a journey's run:
 * await sendEmail({ to: user.email, userId: user.id, template: "welcome", props: { plan: "pro" } });
 * ```
 *
 * Register your templates (`declare module "hogsend" { interface Register { templates: typeof templates } }`) and
 * template keys and props are checked by the compiler.
 */
export {
  createEmailClient,
  type EmailClient,
  type SendEmailFields,
  type SendEmailInput,
  type SendEmailResult,
  SUPPRESS_WINDOW_REASON,
  sendEmail,
} from "./send-email.js";
export {
  defineTemplate,
  EMAIL_CATEGORIES,
  type EmailCategory,
  type EmailTemplate,
  type TemplateContact,
  type TemplateRenderContext,
} from "./templates/email-template.js";
export type {
  RegisteredTemplate,
  TemplateKey,
  TemplatePropsFor,
} from "./templates/register.js";
export { createTemplateRegistry, type TemplateRegistry } from "./templates/template-registry.js";
