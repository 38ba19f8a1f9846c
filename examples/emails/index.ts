import { activationAdvanced } from "./activation-advanced.js";
import { activationNudge } from "./activation-nudge.js";
import { activationWelcome } from "./activation-welcome.js";
import { churnPaymentFailed } from "./churn-payment-failed.js";
import { conversionTrialExpiring } from "./conversion-trial-expiring.js";
import { conversionWinbackOffer } from "./conversion-winback-offer.js";
import { feedbackNpsSurvey } from "./feedback-nps-survey.js";
import { reactivationCheckin } from "./reactivation-checkin.js";

/** The examples' templates, under the keys their journeys send (`Templates.ACTIVATION_WELCOME` …). */
export const templates = [
  activationWelcome,
  activationAdvanced,
  activationNudge,
  churnPaymentFailed,
  conversionWinbackOffer,
  conversionTrialExpiring,
  reactivationCheckin,
  feedbackNpsSurvey,
];
