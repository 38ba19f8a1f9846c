/**
 * `hogsend/testing`: run journeys against the real engine on a real Postgres with a virtual clock. Needs no setup:
 * without a `databaseUrl` each harness gets a fresh database on an embedded Postgres it starts (or reuses).
 * See `createJourneyHarness` for a complete example.
 */

export type { EmailProvider, OutgoingEmail, SendResult } from "../email/providers/email-provider.js";
export type { PersonPropertyLookup } from "../journeys/person-property-lookup.js";
export {
  createJourneyHarness,
  type HarnessEmail,
  type HarnessEvent,
  type HarnessOptions,
  type JourneyHarness,
} from "./journey-harness.js";
