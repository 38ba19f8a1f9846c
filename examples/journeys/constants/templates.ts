/** Template keys the example journeys send; each is a React Email template registered under the same key. */
export const Templates = {
  ACTIVATION_WELCOME: "activation/welcome",
  ACTIVATION_ADVANCED: "activation/advanced",
  ACTIVATION_NUDGE: "activation/nudge",
  CONVERSION_TRIAL_EXPIRING: "conversion-trial-expiring",
  CONVERSION_WINBACK_OFFER: "conversion-winback-offer",
  CHURN_PAYMENT_FAILED: "churn-payment-failed",
  REACTIVATION_CHECKIN: "reactivation-checkin",
  FEEDBACK_NPS_SURVEY: "feedback-nps-survey",
} as const;

export type TemplateName = (typeof Templates)[keyof typeof Templates];
