import { createHash, timingSafeEqual } from "node:crypto";
import { isPlainObject } from "../lib/input-guard/index.js";
import {
  defineWebhookSource,
  type SourceDelivery,
  type SourceEvent,
  type WebhookSource,
} from "./define-webhook-source.js";

type Obj = Record<string, unknown>;
export type SegmentCall = "track" | "identify" | "batch";

/**
 * Segment's HTTP tracking API (`/v1/track`, `/v1/identify`, `/v1/batch`; also `page`, `screen` and `alias` inside a
 * batch), authenticated by the write key as HTTP basic auth username (`SEGMENT_WRITE_KEY`). `userId` is the user,
 * else `anonymousId` (not a contact until identified); `identify`'s traits are `$set` on the contact; an identify or
 * alias carrying both ids merges the anonymous id into the user. Deduped per message on `messageId`.
 */
export function createSegmentSource(config: {
  writeKey: string | undefined;
  production: boolean;
  call: SegmentCall;
}): WebhookSource {
  return defineWebhookSource({
    id: "segment",
    verify: ({ headers }) => {
      if (!config.writeKey) return !config.production;
      const presented = writeKeyOf(headers.authorization);
      if (presented === undefined) return false;
      const a = Buffer.from(presented, "utf8");
      const b = Buffer.from(config.writeKey, "utf8");
      return a.length === b.length && timingSafeEqual(a, b);
    },
    map: (payload, { request }) => mapSegment(payload, config.call, request.rawBody),
  });
}

function writeKeyOf(authorization: string | undefined): string | undefined {
  const basic = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 ? decoded.slice(0, colon) : decoded;
}

export function mapSegment(
  payload: unknown,
  call: SegmentCall,
  rawBody: string,
): SourceDelivery | { rejected: string } {
  if (!isPlainObject(payload)) return { rejected: "The body must be a JSON object" };
  let messages: Obj[];
  if (call === "batch") {
    if (!Array.isArray(payload.batch) || payload.batch.length === 0)
      return { rejected: "batch must be a non-empty array" };
    if (!payload.batch.every(isPlainObject)) return { rejected: "every batch item must be an object" };
    messages = payload.batch as Obj[];
  } else {
    messages = [{ ...payload, type: call }];
  }
  const events: SourceEvent[] = [];
  const aliases: Array<{ alias: string; userId: string }> = [];
  for (const [index, message] of messages.entries()) {
    const mapped = mapMessage(message, index);
    if ("rejected" in mapped) return mapped;
    if (mapped.event) events.push(mapped.event);
    if (mapped.alias) aliases.push(mapped.alias);
  }
  const single = messages.length === 1 ? messages[0]?.messageId : undefined;
  const deliveryId = typeof single === "string" && single !== "" ? single : `sha256:${sha256(rawBody)}`;
  return { deliveryId, events, aliases };
}

function mapMessage(
  message: Obj,
  index: number,
): { event?: SourceEvent; alias?: { alias: string; userId: string } } | { rejected: string } {
  const where = `message ${index}`;
  const type = message.type;
  const userId = idOf(message.userId);
  const anonymousId = idOf(message.anonymousId);
  const user = userId ?? anonymousId;
  const messageId =
    typeof message.messageId === "string" && message.messageId !== ""
      ? message.messageId
      : `sha256:${sha256(JSON.stringify(message))}`;
  const context = isPlainObject(message.context) ? message.context : undefined;
  const timestamp =
    typeof message.timestamp === "string" || typeof message.timestamp === "number"
      ? message.timestamp
      : undefined;
  const base = { messageId, ...(timestamp === undefined ? {} : { timestamp }) };
  const merge = userId && anonymousId && userId !== anonymousId ? { alias: anonymousId, userId } : undefined;
  switch (type) {
    case "track":
    case "page":
    case "screen": {
      if (!user) return { rejected: `${where}: userId or anonymousId is required` };
      const name = type === "track" ? message.event : type === "page" ? "page" : "screen";
      if (typeof name !== "string" || name === "") return { rejected: `${where}: event is required` };
      const properties: Obj = isPlainObject(message.properties) ? { ...message.properties } : {};
      if (type !== "track" && typeof message.name === "string") properties.name = message.name;
      if (context) properties.$context = context;
      if (!userId) properties.$process_person_profile = false;
      const traits = context && isPlainObject(context.traits) ? context.traits : {};
      const email = emailOf(traits.email);
      return {
        event: { event: name, userId: user, userEmail: email ?? null, properties, ...base },
        ...(merge ? { alias: merge } : {}),
      };
    }
    case "identify": {
      if (!user) return { rejected: `${where}: userId or anonymousId is required` };
      const traits = isPlainObject(message.traits) ? message.traits : {};
      const email = emailOf(traits.email);
      const properties: Obj = { $set: traits };
      if (!userId && !email) properties.$process_person_profile = false;
      return {
        event: { event: "$identify", userId: user, userEmail: email ?? null, properties, ...base },
        ...(merge ? { alias: merge } : {}),
      };
    }
    case "alias": {
      const previous = idOf(message.previousId);
      if (!userId || !previous) return { rejected: `${where}: alias needs userId and previousId` };
      return previous === userId ? {} : { alias: { alias: previous, userId } };
    }
    case "group":
      return {};
    default:
      return { rejected: `${where}: unknown type ${JSON.stringify(type)}` };
  }
}

function idOf(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

function emailOf(value: unknown): string | undefined {
  return typeof value === "string" && value.length <= 320 && /^[^\s@]+@[^\s@]+$/.test(value)
    ? value
    : undefined;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
