import type { AlertsConfig } from "../alerts/alert-settings.js";
import type { EmailTemplate } from "../email/templates/email-template.js";
import type { FrequencyCaps } from "../email/templates/frequency-caps.js";
import type { DefinedJourney } from "../journeys/journey-types.js";
import type {
  PostHogSourceOptions,
  StripeSourceOptions,
  WebhookSource,
} from "../sources/define-webhook-source.js";

// biome-ignore lint/suspicious/noExplicitAny: any template, whatever its props schema (its component is contravariant in them).
export type AnyEmailTemplate = EmailTemplate<any, string>;

/** A project: what `hogsend.config.ts` exports (`export default defineConfig({ … })`). */
export interface HogsendConfig {
  /** The journeys this project runs. `--journeys PATH` (or HOGSEND_JOURNEYS) replaces them for one command. */
  journeys?: readonly DefinedJourney[];
  /** The project's email templates (`defineTemplate` from `hogsend/email`), as an array or a record. */
  templates?: readonly AnyEmailTemplate[] | Readonly<Record<string, AnyEmailTemplate>>;
  /** Categories beyond transactional/product/marketing that templates may use (unsubscribable, like product). */
  categories?: readonly string[];
  /**
   * Per-category caps across every journey and transactional send to a contact, e.g.
   * `{ marketing: { max: 3, per: days(7), onCap: "defer" } }`. Categories without a cap (transactional, unless
   * you name it) are not counted. Checked when the project loads.
   */
  frequencyCaps?: FrequencyCaps;
  /**
   * Alert thresholds over the built-in defaults (complaints 0.1 % / 0.3 %, hard bounces 2 % / 5 % …), the window,
   * the cooldown and the reputation guard; `false` turns a rule off. Checked at load. See the README's Alerts.
   */
  alerts?: AlertsConfig;
  /** Your own webhook sources (`defineWebhookSource`), served at `POST /v1/sources/{id}` beside the built-ins. */
  sources?: readonly WebhookSource[];
  /** Options of the built-in PostHog source. */
  posthog?: PostHogSourceOptions;
  /** Options of the built-in Stripe source (the user id metadata key, the event mapping). */
  stripe?: StripeSourceOptions;
}

/**
 * Declares the project, in `hogsend.config.ts` at its root (or the file `--config PATH` names). Every command reads
 * it; unknown template keys in journeys, duplicate journey ids or template keys, and categories not declared
 * here fail at load, naming the file and the key.
 *
 * @example
 * import { defineConfig } from "hogsend";
 * import { welcomeEmail } from "./emails/welcome.js";
 * import { welcome } from "./journeys/welcome.js";
 *
 * export const templates = [welcomeEmail];
 * export default defineConfig({ journeys: [welcome], templates });
 *
 * declare module "hogsend" {
 *   interface Register {
 *     templates: typeof templates;
 *   }
 * }
 */
export function defineConfig<const C extends HogsendConfig>(config: C): C {
  return config;
}
