/** Event names the example journeys use: one source of truth instead of magic strings. */
export const Events = {
  USER_CREATED: "user.created",
  USER_DELETED: "user.deleted",
  USER_ACTIVATED: "user.activated",
  FEATURE_USED: "feature.used",
  SETUP_COMPLETED: "setup.completed",
  TRIAL_STARTED: "trial.started",
  PAYMENT_FAILED: "payment.failed",
  PAYMENT_SUCCEEDED: "payment.succeeded",
  SUBSCRIPTION_CREATED: "subscription.created",
  SUBSCRIPTION_CANCELLED: "subscription.cancelled",
  CHECKOUT_ABANDONED: "checkout.abandoned",
  CHECKOUT_COMPLETED: "checkout.completed",
  EMAIL_BOUNCED: "email.bounced",
  EMAIL_COMPLAINED: "email.complained",
} as const;

export type EventName = (typeof Events)[keyof typeof Events];
