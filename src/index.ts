/**
 * The public SDK for journey authors: `import { defineJourney, defineConfig, days, NonRetryableError } from "hogsend"`.
 * Nothing server-side is imported from here.
 */

export type { FrequencyCap, FrequencyCaps } from "./email/templates/frequency-caps.js";
export type { Register } from "./email/templates/register.js";
export { defineJourney } from "./journeys/define-journey.js";
export { NonRetryableError, RetryAfterError } from "./journeys/journey-errors.js";
export type {
  ConditionOperator,
  DefinedJourney,
  EventRule,
  JourneyContext,
  JourneyGoal,
  JourneyMeta,
  JourneyRunFunction,
  JourneyUser,
  PropertyCondition,
  ReceivedEvent,
  RetryPolicy,
  SendWindow,
  SleepUntilTime,
  Weekday,
} from "./journeys/journey-types.js";
export { type DurationObject, days, hours, minutes, seconds } from "./lib/duration.js";
export { type AnyEmailTemplate, defineConfig, type HogsendConfig } from "./project/define-config.js";
export {
  defineWebhookSource,
  type PostHogSourceOptions,
  type SourceContext,
  type SourceDelivery,
  type SourceEvent,
  type SourceRejection,
  type StripeSourceOptions,
  type WebhookRequest,
  type WebhookSource,
} from "./sources/define-webhook-source.js";
