import type { DefinedJourney } from "hogsend";
import { activationWelcome } from "./activation-welcome.js";
import { checkoutRecovery } from "./checkout-recovery.js";
import { churnPrevention } from "./churn-prevention.js";
import { conversionAbandonedCheckout } from "./conversion-abandoned-checkout.js";

// The bundled example journeys, loaded by `hogsend dev`. A plain array: add yours here.
export const journeys: DefinedJourney[] = [
  checkoutRecovery,
  activationWelcome,
  churnPrevention,
  conversionAbandonedCheckout,
];
export default journeys;
