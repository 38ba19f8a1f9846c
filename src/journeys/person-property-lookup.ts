import type { StoredEvent } from "../events/event-types.js";
import type { JourneyRegistry } from "./journey-registry.js";
import type { DefinedJourney, EventRule } from "./journey-types.js";
import { readProperty } from "./property-conditions.js";

/**
 * Where the router reads person properties a contact lacks, for journeys that opt in (`meta.personLookup`). The
 * engine owns this port; the composition root hands it the PostHog persons lookup when POSTHOG_PERSONAL_API_KEY is
 * set (`sources/posthog-person-lookup.ts`).
 */
export interface PersonPropertyLookup {
  /**
   * The person properties of these users. Never rejects and is bounded in time: it runs inside a routing batch.
   * A user it could not answer for (a failure, a timeout, a back-off) is absent, and conditions then read only
   * the contact's stored properties; a user with no person is present with `{}`.
   */
  lookup(userIds: readonly string[]): Promise<ReadonlyMap<string, Readonly<Record<string, unknown>>>>;
}

export function looksUpPersons(journey: DefinedJourney): boolean {
  return journey.meta.personLookup === "posthog";
}

/**
 * The users of a batch whose opted-in trigger or exit conditions read a contact property their stored contact
 * lacks. Exits count only for a user with a run of that journey live now or triggered earlier in the batch; a
 * disabled journey enrolls no one, so its trigger needs nothing.
 */
export function usersNeedingPersonLookup(input: {
  registry: JourneyRegistry;
  events: readonly StoredEvent[];
  contactProperties: (userId: string) => Record<string, unknown>;
  hasLiveRun: (userId: string, journeyId: string) => boolean;
  isEnabled: (journey: DefinedJourney) => boolean;
}): string[] {
  const users = new Set<string>();
  const triggered = new Set<string>();
  for (const event of input.events) {
    const stored = input.contactProperties(event.userId);
    const lacks = (rule: EventRule) =>
      (rule.where ?? []).some(
        (c) => c.source === "contact" && readProperty(stored, c.property) === undefined,
      );
    for (const journey of input.registry.exitedBy(event.event)) {
      if (!looksUpPersons(journey) || users.has(event.userId)) continue;
      const key = `${journey.meta.id}\u0000${event.userId}`;
      if (!triggered.has(key) && !input.hasLiveRun(event.userId, journey.meta.id)) continue;
      const rules = (journey.meta.exitOn ?? []).filter((rule) => rule.event === event.event);
      if (rules.some(lacks)) users.add(event.userId);
    }
    for (const journey of input.registry.triggeredBy(event.event)) {
      if (!looksUpPersons(journey) || !input.isEnabled(journey)) continue;
      triggered.add(`${journey.meta.id}\u0000${event.userId}`);
      if (lacks(journey.meta.trigger)) users.add(event.userId);
    }
  }
  return [...users];
}
