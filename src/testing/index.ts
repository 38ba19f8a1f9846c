/** `hogsend/testing`: run journeys against the real engine on a real Postgres with a virtual clock. */
export {
  createJourneyHarness,
  type HarnessEvent,
  type HarnessOptions,
  type JourneyHarness,
} from "./journey-harness.js";
