import { timingSafeEqual } from "node:crypto";
import { isPlainObject } from "../lib/input-guard/index.js";
import { standardWebhookHeadersCanVerify, verifyStandardWebhook } from "../lib/standard-webhook-signature.js";
import {
  defineWebhookSource,
  type PostHogSourceOptions,
  type SourceDelivery,
  type SourceEvent,
  type WebhookRequest,
  type WebhookSource,
} from "./define-webhook-source.js";

export const POSTHOG_SECRET_HEADER = "x-posthog-webhook-secret";

/**
 * Whether a delivery carries `secret`: a `whsec_…` secret is a Standard Webhooks key (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature` over the raw body, five-minute window); any other string is a shared
 * secret sent in `x-posthog-webhook-secret`, compared in constant time. No secret: open outside production
 * (`allowUnsigned`), refused in production.
 */
export function verifySharedOrStandard(
  secret: string | undefined,
  request: WebhookRequest,
  options: { allowUnsigned: boolean; header: string },
): boolean {
  if (!secret) return options.allowUnsigned;
  if (sharedSecretMatches(secret, request.headers[options.header])) return true;
  if (!secret.startsWith("whsec_")) return false;
  return verifyStandardWebhook(secret, request.rawBody, {
    id: request.headers["webhook-id"],
    timestamp: request.headers["webhook-timestamp"],
    signature: request.headers["webhook-signature"],
  });
}

/**
 * `verifySharedOrStandard` on the headers alone, before the body is read: the shared secret decides completely; a
 * Standard Webhooks delivery must carry its three headers with a fresh timestamp (the signature needs the body).
 */
export function sharedOrStandardHeadersCanVerify(
  secret: string | undefined,
  headers: WebhookRequest["headers"],
  options: { allowUnsigned: boolean; header: string },
): boolean {
  if (!secret) return options.allowUnsigned;
  if (sharedSecretMatches(secret, headers[options.header])) return true;
  if (!secret.startsWith("whsec_")) return false;
  return standardWebhookHeadersCanVerify(
    {
      id: headers["webhook-id"],
      timestamp: headers["webhook-timestamp"],
      signature: headers["webhook-signature"],
    },
    Date.now(),
  );
}

function sharedSecretMatches(secret: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(secret, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * PostHog's HTTP Webhook destination, default body `{ event: { uuid, event, distinct_id, properties,
 * elements_chain, timestamp, url }, person: { id, properties, name, url } }`. One event per delivery, deduped on
 * `event.uuid`; `distinct_id` is the user; `$identify` (`$anon_distinct_id`) and `$create_alias` (`alias`) merge
 * the anonymous id into the user; person properties are `$set` on the contact; the email is
 * `person.properties.email`.
 */
export function createPostHogSource(config: {
  secret: string | undefined;
  production: boolean;
  options?: PostHogSourceOptions | undefined;
}): WebhookSource {
  const mode = { allowUnsigned: !config.production, header: POSTHOG_SECRET_HEADER };
  return defineWebhookSource({
    id: "posthog",
    verifyHeaders: (headers) => sharedOrStandardHeadersCanVerify(config.secret, headers, mode),
    verify: (request) => verifySharedOrStandard(config.secret, request, mode),
    map: (payload) => mapPostHogDelivery(payload, config.options ?? {}),
  });
}

export function mapPostHogDelivery(
  payload: unknown,
  options: PostHogSourceOptions,
): SourceDelivery | { rejected: string } {
  if (!isPlainObject(payload) || !isPlainObject(payload.event)) {
    return { rejected: "Not a PostHog webhook body (no `event` object)" };
  }
  const event = payload.event;
  const person = isPlainObject(payload.person) ? payload.person : {};
  const uuid = event.uuid;
  const name = event.event;
  const distinctId = event.distinct_id;
  if (typeof uuid !== "string" || uuid === "") return { rejected: "event.uuid is missing" };
  if (typeof name !== "string" || name === "") return { rejected: "event.event is missing" };
  if (typeof distinctId !== "string" && typeof distinctId !== "number") {
    return { rejected: "event.distinct_id is missing" };
  }
  const userId = String(distinctId);
  const properties = isPlainObject(event.properties) ? { ...event.properties } : {};
  const personProperties = isPlainObject(person.properties) ? person.properties : {};
  const set = isPlainObject(properties.$set) ? properties.$set : {};
  const email = firstEmail(personProperties.email, set.email, properties.email);

  const aliases: Array<{ alias: string; userId: string }> = [];
  if (name === "$identify") {
    const anonymous = properties.$anon_distinct_id;
    if (typeof anonymous === "string" && anonymous !== "" && anonymous !== userId) {
      aliases.push({ alias: anonymous, userId });
    }
  } else if (name === "$create_alias") {
    const alias = properties.alias;
    if ((typeof alias === "string" || typeof alias === "number") && String(alias) !== userId) {
      aliases.push({ alias: String(alias), userId });
    }
  }
  // Person properties become contact properties through the event's `$set`, which the router applies.
  if (Object.keys(personProperties).length > 0) properties.$set = { ...personProperties, ...set };
  const identified =
    email !== undefined || name === "$identify" || properties.$is_identified === true || aliases.length > 0;
  if (!identified && !options.anonymousContacts) properties.$process_person_profile = false;
  if (typeof event.url === "string") properties.$posthog_event_url = event.url;
  if (typeof event.elements_chain === "string" && event.elements_chain !== "") {
    properties.$elements_chain = event.elements_chain;
  }

  const mapped: SourceEvent = {
    event: name,
    userId,
    userEmail: email ?? null,
    properties,
    messageId: uuid,
    ...(typeof event.timestamp === "string" || typeof event.timestamp === "number"
      ? { timestamp: event.timestamp }
      : {}),
  };
  return { deliveryId: uuid, events: [mapped], aliases };
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function firstEmail(...candidates: unknown[]): string | undefined {
  for (const candidate of candidates) {
    if (typeof candidate === "string" && candidate.length <= 320 && EMAIL.test(candidate)) return candidate;
  }
  return undefined;
}
