import { getContactRecord } from "../contacts/contact-store.js";
import type { Queryable } from "../db/database.js";
import { provideRunService, type RunServices, runServices } from "../journeys/durable-effect.js";
import type { JourneyReaders } from "../journeys/journey-context.js";
import { emailHistory } from "./email-history.js";
import { EMAIL_RUN_SERVICES } from "./send-email.js";
import { getSuppression } from "./suppression/suppression-store.js";
import type { TemplateRegistry } from "./templates/template-registry.js";

/** Subscribed (the contact store) and not suppressed: a bounced or complaining address gets no more mail. */
async function isReachableSubscriber(q: Queryable, userId: string): Promise<boolean> {
  // One read of the contact gives both its unsubscribe and the address to look up; unknown contacts are subscribed.
  const contact = await getContactRecord(q, userId);
  if (contact && !contact.subscribed) return false;
  return !contact?.email || (await getSuppression(q, contact.email)) === undefined;
}

/**
 * What the engine needs from email, built by the composition root (and the harness): the services `sendEmail`
 * reads from the running run, and the reader behind `ctx.history.email`. Email depends on the engine's ports;
 * the engine never imports email.
 */
export function emailForJourneys(templates: TemplateRegistry): {
  services: RunServices;
  readers: JourneyReaders;
} {
  return {
    services: runServices(provideRunService(EMAIL_RUN_SERVICES, { templates })),
    readers: { emailHistory, isSubscribed: isReachableSubscriber },
  };
}
