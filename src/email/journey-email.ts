import { provideRunService, type RunServices, runServices } from "../journeys/durable-effect.js";
import type { JourneyReaders } from "../journeys/journey-context.js";
import { emailHistory } from "./email-history.js";
import { EMAIL_RUN_SERVICES } from "./send-email.js";
import type { TemplateRegistry } from "./templates/template-registry.js";

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
    readers: { emailHistory },
  };
}
