import Stripe from "stripe";
import { isPlainObject } from "../lib/input-guard/index.js";
import {
  defineWebhookSource,
  type SourceContext,
  type SourceDelivery,
  type StripeSourceOptions,
  type WebhookSource,
} from "./define-webhook-source.js";

/** Stripe event type → Hogsend event; `defineConfig({ stripe: { events } })` merges over it. */
export const DEFAULT_STRIPE_EVENTS: Readonly<Record<string, string>> = {
  "invoice.payment_failed": "payment.failed",
  "invoice.paid": "payment.succeeded",
  "invoice.payment_succeeded": "payment.succeeded",
  "customer.subscription.created": "subscription.created",
  "customer.subscription.updated": "subscription.updated",
  "customer.subscription.deleted": "subscription.cancelled",
  "customer.subscription.trial_will_end": "trial.ending",
  "checkout.session.completed": "checkout.completed",
  "checkout.session.expired": "checkout.abandoned",
};

export interface StripeSourceConfig {
  webhookSecret: string | undefined;
  /** Enables `stripe.customers.retrieve` to find the user from the customer's metadata or email. */
  secretKey: string | undefined;
  /** Where the SDK sends API calls (tests: a local server); Stripe's own API when unset. */
  apiBase: string | undefined;
  production: boolean;
  /** Seconds a signature's timestamp may be old; Stripe's default is 300. */
  toleranceSeconds?: number;
  options?: StripeSourceOptions | undefined;
}

type Obj = Record<string, unknown>;

/** A `stripe-signature` header (`t=<unix>,v1=<hex>[,v1=…][,v0=…]`) with a v1 signature and a timestamp Stripe's
 * `constructEvent` would not refuse as too old. */
function stripeHeaderCanVerify(header: string, toleranceSeconds: number, nowMs: number): boolean {
  const parts = header.split(",").map((part) => part.trim());
  const t = parts.find((part) => part.startsWith("t="))?.slice(2);
  if (t === undefined || !/^\d{1,12}$/.test(t)) return false;
  if (toleranceSeconds > 0 && nowMs / 1000 - Number(t) > toleranceSeconds) return false;
  return parts.some((part) => part.startsWith("v1=") && part.length > 3);
}

/**
 * Stripe webhooks: verified by `stripe.webhooks.constructEvent` on the raw body (`stripe-signature`), deduped on
 * `event.id`, mapped to payment/subscription/trial/checkout events with the useful properties, and resolved to a
 * user by, in order: `metadata[userIdKey]` (the object's, then the customer's), the checkout's
 * `client_reference_id`, the customer's stored alias (`stripe:cus_…`, recorded at the first resolution), then the
 * email (the event's, or the customer's through the API when STRIPE_SECRET_KEY is set). An unresolvable customer
 * is kept as an unresolved receipt and routed when a contact with that email or the alias appears; it is never
 * keyed on the `cus_` id.
 */
export function createStripeSource(config: StripeSourceConfig): WebhookSource {
  const stripe = new Stripe(config.secretKey ?? "sk_unset", {
    ...apiLocation(config.apiBase),
    maxNetworkRetries: 1,
    timeout: 10_000,
  });
  const userIdKey = config.options?.userIdKey ?? "userId";
  const mapping = new Map<string, string>(Object.entries(DEFAULT_STRIPE_EVENTS));
  for (const [type, name] of Object.entries(config.options?.events ?? {})) {
    if (name === null) mapping.delete(type);
    else mapping.set(type, name);
  }
  const tolerance = config.toleranceSeconds ?? 300;
  return defineWebhookSource({
    id: "stripe",
    // Before the body: a delivery without a well-formed, fresh `stripe-signature` (t=…,v1=…) could never verify.
    verifyHeaders: (headers) => {
      const header = headers["stripe-signature"];
      if (!config.webhookSecret) return !config.production && header === undefined;
      return header !== undefined && stripeHeaderCanVerify(header, tolerance, Date.now());
    },
    verify: ({ rawBody, headers }) => {
      if (!config.webhookSecret) return !config.production && headers["stripe-signature"] === undefined;
      const header = headers["stripe-signature"];
      if (!header) return false;
      try {
        stripe.webhooks.constructEvent(rawBody, header, config.webhookSecret, tolerance);
        return true;
      } catch (error) {
        // constructEvent parses the body once the signature matched: a signed body that is not JSON is authentic
        // and becomes a rejected receipt, not a 401. Only a signature error means forged.
        return !(error instanceof Stripe.errors.StripeSignatureVerificationError);
      }
    },
    map: async (payload, context) => {
      if (!isPlainObject(payload) || typeof payload.id !== "string" || typeof payload.type !== "string") {
        return { rejected: "Not a Stripe event (no id or type)" };
      }
      const name = mapping.get(payload.type);
      if (name === undefined) return { deliveryId: payload.id, events: [] };
      const data = isPlainObject(payload.data) ? payload.data : {};
      const object = isPlainObject(data.object) ? data.object : undefined;
      if (!object) return { rejected: "data.object is missing" };
      const properties = stripeProperties(payload.type, object);
      const occurred = typeof payload.created === "number" ? payload.created * 1000 : undefined;
      const lookup = await resolveCustomer(object, context, {
        userIdKey,
        retrieve: config.secretKey ? (id) => retrieveCustomer(stripe, id) : undefined,
      });
      // invoice.paid and invoice.payment_succeeded report one payment: one payment.succeeded per invoice.
      const messageId =
        name === "payment.succeeded" && typeof object.id === "string"
          ? `payment.succeeded:${object.id}`
          : payload.id;
      const event = {
        event: name,
        userEmail: lookup.email ?? null,
        properties: { ...properties, stripeEventId: payload.id, stripeEventType: payload.type },
        messageId,
        ...(occurred === undefined ? {} : { timestamp: occurred }),
      };
      const customerAlias = lookup.customerId ? `stripe:${lookup.customerId}` : undefined;
      if (lookup.userId === undefined) {
        const delivery: SourceDelivery = {
          deliveryId: payload.id,
          events: [event],
          unresolved: { reason: lookup.reason, email: lookup.email, alias: customerAlias },
        };
        return delivery;
      }
      return {
        deliveryId: payload.id,
        events: [{ ...event, userId: lookup.userId }],
        aliases: customerAlias ? [{ alias: customerAlias, userId: lookup.userId }] : [],
      };
    },
  });
}

function apiLocation(base: string | undefined): {
  host?: string;
  port?: number;
  protocol?: "http" | "https";
} {
  if (!base) return {};
  const url = new URL(base);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443,
    protocol,
  };
}

interface CustomerFacts {
  metadata: Record<string, string>;
  email: string | undefined;
}

async function retrieveCustomer(stripe: Stripe, id: string): Promise<CustomerFacts | undefined> {
  const customer = await stripe.customers.retrieve(id);
  if ("deleted" in customer && customer.deleted) return undefined;
  const live = customer as Stripe.Customer;
  return { metadata: live.metadata ?? {}, email: live.email ?? undefined };
}

async function resolveCustomer(
  object: Obj,
  context: SourceContext,
  options: { userIdKey: string; retrieve: ((id: string) => Promise<CustomerFacts | undefined>) | undefined },
): Promise<{ userId?: string; email?: string; customerId?: string; reason: string }> {
  const customerField = object.customer;
  const expanded = isPlainObject(customerField) ? customerField : undefined;
  const customerId =
    typeof customerField === "string"
      ? customerField
      : typeof expanded?.id === "string"
        ? expanded.id
        : object.object === "customer" && typeof object.id === "string"
          ? object.id
          : undefined;
  const base = customerId ? { customerId } : {};
  const eventEmail = emailOf(object, expanded);
  const withEmail = eventEmail ? { email: eventEmail } : {};
  const fromMetadata = metadataUser(object, options.userIdKey) ?? metadataUser(expanded, options.userIdKey);
  if (fromMetadata) return { userId: fromMetadata, ...base, ...withEmail, reason: "metadata" };
  if (typeof object.client_reference_id === "string" && object.client_reference_id !== "") {
    return { userId: object.client_reference_id, ...base, ...withEmail, reason: "client_reference_id" };
  }
  if (customerId) {
    const aliased = await context.userIdByAlias(`stripe:${customerId}`);
    if (aliased) return { userId: aliased, ...base, ...withEmail, reason: "alias" };
  }
  let customer: CustomerFacts | undefined;
  let lookupProblem = "";
  if (customerId && options.retrieve) {
    try {
      customer = await options.retrieve(customerId);
    } catch (error) {
      lookupProblem = `; customers.retrieve failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    const fromCustomer = customer?.metadata[options.userIdKey];
    const customerEmail = eventEmail ?? customer?.email;
    if (fromCustomer) {
      return {
        userId: fromCustomer,
        ...base,
        ...(customerEmail ? { email: customerEmail } : {}),
        reason: "metadata",
      };
    }
  }
  const email = eventEmail ?? customer?.email;
  if (email) {
    const byEmail = await context.userIdByEmail(email);
    if (byEmail) return { userId: byEmail, ...base, email, reason: "email" };
  }
  return {
    ...base,
    ...(email ? { email } : {}),
    reason:
      `No user for Stripe customer ${customerId ?? "(none)"}: no metadata.${options.userIdKey}, no ` +
      `client_reference_id, no alias, ${email ? `no contact with ${email}` : "no email"}${lookupProblem}`,
  };
}

function metadataUser(object: Obj | undefined, key: string): string | undefined {
  const metadata = object && isPlainObject(object.metadata) ? object.metadata : undefined;
  const value = metadata?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function emailOf(object: Obj, customer: Obj | undefined): string | undefined {
  const details = isPlainObject(object.customer_details) ? object.customer_details : {};
  for (const candidate of [object.customer_email, details.email, customer?.email, object.email]) {
    if (typeof candidate === "string" && /^[^\s@]+@[^\s@]+$/.test(candidate)) return candidate;
  }
  return undefined;
}

/** The properties a journey wants from each kind of object (amounts in the currency's minor unit, as Stripe). */
export function stripeProperties(type: string, object: Obj): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) props[key] = value;
  };
  const time = (seconds: unknown) =>
    typeof seconds === "number" ? new Date(seconds * 1000).toISOString() : undefined;
  const str = (value: unknown) => (typeof value === "string" ? value : undefined);
  if (type.startsWith("invoice.")) {
    put("invoiceId", str(object.id));
    put(
      "amount",
      type === "invoice.payment_failed" ? object.amount_due : (object.amount_paid ?? object.amount_due),
    );
    put("amountDue", object.amount_due);
    put("amountPaid", object.amount_paid);
    put("currency", str(object.currency));
    put("attemptCount", object.attempt_count);
    put("hostedInvoiceUrl", str(object.hosted_invoice_url));
    put("nextPaymentAttempt", time(object.next_payment_attempt));
    put("billingReason", str(object.billing_reason));
    const line = firstItem(object.lines);
    const price = priceOf(line);
    put("priceId", str(price?.id));
    put("plan", str(price?.nickname) ?? str(price?.lookup_key) ?? str(price?.id));
    put("interval", str(recurring(price)?.interval));
    const parent = isPlainObject(object.parent) ? object.parent : {};
    const details = isPlainObject(parent.subscription_details) ? parent.subscription_details : {};
    put("subscriptionId", str(object.subscription) ?? str(details.subscription) ?? str(line?.subscription));
  } else if (type.startsWith("customer.subscription.")) {
    put("subscriptionId", str(object.id));
    put("status", str(object.status));
    const item = firstItem(object.items);
    const price = priceOf(item);
    put("priceId", str(price?.id));
    put("plan", str(price?.nickname) ?? str(price?.lookup_key) ?? str(price?.id));
    put("amount", price?.unit_amount);
    put("currency", str(price?.currency) ?? str(object.currency));
    put("interval", str(recurring(price)?.interval));
    put("trialEnd", time(object.trial_end));
    put("cancelAtPeriodEnd", object.cancel_at_period_end);
    put("currentPeriodEnd", time(object.current_period_end ?? item?.current_period_end));
    put("canceledAt", time(object.canceled_at));
  } else if (type.startsWith("checkout.session.")) {
    put("checkoutSessionId", str(object.id));
    put("amount", object.amount_total);
    put("currency", str(object.currency));
    put("mode", str(object.mode));
    put("subscriptionId", str(object.subscription));
    const after = isPlainObject(object.after_expiration) ? object.after_expiration : {};
    const recovery = isPlainObject(after.recovery) ? after.recovery : {};
    put("recoveryUrl", str(recovery.url));
  }
  return props;
}

function firstItem(list: unknown): Obj | undefined {
  if (!isPlainObject(list) || !Array.isArray(list.data)) return undefined;
  const first = list.data[0];
  return isPlainObject(first) ? first : undefined;
}

function priceOf(item: Obj | undefined): Obj | undefined {
  if (!item) return undefined;
  if (isPlainObject(item.price)) return item.price;
  if (isPlainObject(item.plan)) return item.plan;
  const pricing = isPlainObject(item.pricing) ? item.pricing : {};
  const details = isPlainObject(pricing.price_details) ? pricing.price_details : undefined;
  return details ? { id: details.price } : undefined;
}

function recurring(price: Obj | undefined): Obj | undefined {
  if (!price) return undefined;
  if (isPlainObject(price.recurring)) return price.recurring;
  return typeof price.interval === "string" ? { interval: price.interval } : undefined;
}
