import type { DefinedJourney } from "hogsend";
import { checkoutRecovery } from "./checkout-recovery.js";

// The bundled example journeys, loaded by `hogsend dev`. A plain array: add yours here.
export const journeys: DefinedJourney[] = [checkoutRecovery];
export default journeys;
