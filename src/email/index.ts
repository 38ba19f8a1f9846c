/**
 * `hogsend/email`: what journey authors import to send email.
 *
 * ```ts
 * import { sendEmail } from "hogsend/email";
 * await sendEmail({ to: user.email, userId: user.id, template: "activation/welcome", subject: "Welcome" });
 * ```
 */
export {
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
} from "./templates/email-template.js";
export { TEMPLATES, type TemplateKey, templateExists } from "./templates/template-registry.js";
