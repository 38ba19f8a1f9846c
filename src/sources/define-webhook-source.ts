/**
 * The inbound source port: what a webhook source is. Imported by `hogsend.config.ts` through `hogsend`, so it
 * imports nothing (no pg, no Hono). The built-in PostHog, Stripe and Segment sources implement the same interface.
 */

/** One HTTP delivery as received. */
export interface WebhookRequest {
  /** The body exactly as received (signatures cover these bytes; never a re-serialisation). */
  readonly rawBody: string;
  /** Request headers, names lower-case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** One event a delivery maps to; it enters the same path as `POST /v1/ingest`. */
export interface SourceEvent {
  event: string;
  /** The user; omit only in an unresolved delivery (see SourceDelivery.unresolved). Aliases are resolved. */
  userId?: string | undefined;
  userEmail?: string | null | undefined;
  properties?: Record<string, unknown> | undefined;
  /** ISO 8601 or epoch ms; defaults to now. */
  timestamp?: string | number | Date | undefined;
  /** Deterministic per event (the sender's event id): a repeat is acknowledged, never stored twice. */
  messageId: string;
}

export interface SourceDelivery {
  /** The sender's id for this delivery: a redelivery with the same id is a duplicate and changes nothing. */
  deliveryId: string;
  /** Empty: acknowledged and recorded as `ignored` (an event type the source does not map). */
  events: SourceEvent[];
  /** Identity merges: `alias` (an anonymous id, `stripe:cus_…`) belongs to `userId` from now on. */
  aliases?: Array<{ alias: string; userId: string }> | undefined;
  /**
   * The delivery's user is not known yet. Its events are kept (`unresolved` receipt, listed in the admin API) and
   * routed as soon as a contact with `email` or the alias `alias` appears.
   */
  unresolved?: { reason: string; email?: string | undefined; alias?: string | undefined } | undefined;
}

/** A verified payload the source cannot use: acknowledged with 200 and recorded `rejected` with the reason. */
export interface SourceRejection {
  rejected: string;
}

/** Lookups a mapper may use to find the user behind a delivery. */
export interface SourceContext {
  readonly request: WebhookRequest;
  /** The user id of the contact with this email (case-insensitive), if any. */
  userIdByEmail(email: string): Promise<string | undefined>;
  /** The user an alias was merged into, if any. */
  userIdByAlias(alias: string): Promise<string | undefined>;
}

export interface WebhookSource {
  /** The path segment: deliveries go to `POST /v1/sources/{id}`. Lower-case letters, digits, `-`, `_`. */
  readonly id: string;
  /**
   * True when the delivery is authentic (its signature, a secret header). False answers 401 and stores nothing.
   * Runs on the raw body before it is parsed.
   */
  verify(request: WebhookRequest): boolean | Promise<boolean>;
  /**
   * Optional: a check on the headers alone, run before the body is read (or waited for). False answers 401 at
   * once and stores nothing, so a delivery that could never verify (its signature header missing, a shared-secret
   * header wrong) cannot make Hogsend buffer its body. True decides nothing: `verify` still runs on the raw body.
   */
  verifyHeaders?(headers: WebhookRequest["headers"]): boolean | Promise<boolean>;
  /** The parsed JSON body (already checked for depth, size and unsafe keys) to events. */
  map(
    payload: unknown,
    context: SourceContext,
  ): SourceDelivery | SourceRejection | Promise<SourceDelivery | SourceRejection>;
}

/**
 * Declares a webhook source for `hogsend.config.ts` (`defineConfig({ sources: [mySource] })`).
 *
 * @example
 * const token = readSecret("billing-token"); // however your project loads secrets
 * export const billing = defineWebhookSource({
 *   id: "billing",
 *   verify: ({ headers }) => safeEqual(headers["x-billing-token"], token),
 *   map: (body) => {
 *     const b = body as { id: string; type: string; user: string };
 *     return { deliveryId: b.id, events: [{ event: `billing.${b.type}`, userId: b.user, messageId: b.id }] };
 *   },
 * });
 */
export function defineWebhookSource<const S extends WebhookSource>(source: S): S {
  return source;
}

export function isSourceRejection(value: SourceDelivery | SourceRejection): value is SourceRejection {
  return typeof (value as SourceRejection).rejected === "string";
}

export const SOURCE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** `defineConfig({ posthog })`: options of the built-in PostHog source. */
export interface PostHogSourceOptions {
  /**
   * Make contacts of anonymous users (no email, never identified) too. Default false: their events are stored and
   * routed, and they become contacts once identified.
   */
  anonymousContacts?: boolean;
}

/** `defineConfig({ stripe })`: options of the built-in Stripe source. */
export interface StripeSourceOptions {
  /** The customer (or subscription/checkout) metadata key holding your user id. Default `userId`. */
  userIdKey?: string;
  /**
   * Stripe event type → Hogsend event name, merged over the defaults; `null` drops a default mapping. Event types
   * not mapped are acknowledged and recorded as `ignored`.
   */
  events?: Record<string, string | null>;
}
