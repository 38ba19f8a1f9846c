import { ErrorCodes, HogsendError } from "../../errors.js";
import { activationAdvanced } from "./activation-advanced.js";
import { activationNudge } from "./activation-nudge.js";
import { activationWelcome } from "./activation-welcome.js";
import { churnPaymentFailed } from "./churn-payment-failed.js";
import { conversionTrialExpiring } from "./conversion-trial-expiring.js";
import { conversionWinbackOffer } from "./conversion-winback-offer.js";
import type { EmailTemplate } from "./email-template.js";
import { feedbackNpsSurvey } from "./feedback-nps-survey.js";
import { reactivationCheckin } from "./reactivation-checkin.js";

/** Every template, under the keys journeys use (`Templates.ACTIVATION_WELCOME` is `"activation/welcome"`). */
export const TEMPLATES = {
  "activation/welcome": activationWelcome,
  "activation/advanced": activationAdvanced,
  "activation/nudge": activationNudge,
  "churn-payment-failed": churnPaymentFailed,
  "conversion-winback-offer": conversionWinbackOffer,
  "conversion-trial-expiring": conversionTrialExpiring,
  "reactivation-checkin": reactivationCheckin,
  "feedback-nps-survey": feedbackNpsSurvey,
} as const satisfies Record<string, EmailTemplate>;

export type TemplateKey = keyof typeof TEMPLATES;

const registry = new Map<string, EmailTemplate>(Object.entries(TEMPLATES));
for (const [key, template] of registry) {
  if (template.key !== key) throw new Error(`Template registered as "${key}" declares key "${template.key}"`);
}

/** True when `key` names a registered template. The journey loader calls this to reject typos at load time. */
export function templateExists(key: string): key is TemplateKey {
  return registry.has(key);
}

export function listTemplates(): EmailTemplate[] {
  return [...registry.values()];
}

/** The template for `key`, or TEMPLATE_NOT_FOUND naming the key and the keys that exist. */
export function getTemplate(key: string): EmailTemplate {
  const template = registry.get(key);
  if (!template) {
    throw new HogsendError(
      ErrorCodes.TEMPLATE_NOT_FOUND,
      `Unknown email template "${key}". Known templates: ${[...registry.keys()].join(", ")}`,
      { details: { template: key } },
    );
  }
  return template;
}
