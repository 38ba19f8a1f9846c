import { Webhook } from "svix";
import type { Random } from "./fuzz-random.js";
import {
  everyHostileJson,
  HOSTILE_QUERY_VALUES,
  HOSTILE_SEGMENTS,
  hostileJson,
  QUERY_KEYS,
} from "./hostile-values.js";

export interface FuzzRoute {
  method: string;
  path: string;
}

export interface FuzzRequest {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** What a valid request needs: credentials and ids that exist, so hostile data gets past the first checks. */
export interface FuzzContext {
  adminKey: string;
  resendSecret: string;
  postmarkUser: string;
  postmarkPass: string;
  templateKey: string;
  templateProps: Record<string, unknown>;
  /** Valid signed path tokens by parameter name (`token`, `file`). */
  tokens: { unsubscribe: string; open: string; click: string };
}

/** A UUID drawn from the seeded generator, so that a seed replays the same requests. */
function uuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const HOLE = "@@HOLE@@";
const KEY_HOLE = "@@KEY@@";
const HOSTILE_KEYS = ['"__proto__"', '"constructor"', '"prototype"', '"a\\u0000"', '"\\ud800"', '""'];
const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "",
  "application/json; charset=utf-16",
  "text/csv",
  "application/x-ndjson",
  "application/vnd.api+json",
];
const INVALID_UTF8 = Uint8Array.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]);

/** The route table with every `:param` and `{regex}` filled: hostile values half the time. */
export function fillPath(
  path: string,
  random: Random,
  context: FuzzContext,
  hostile = random.chance(0.5),
  forced?: string,
) {
  return path.replace(/:(\w+)(\{[^}]*\})?/g, (_, name: string, pattern: string | undefined) => {
    if (forced !== undefined) return forced;
    if (hostile) {
      const segment = random.pick(HOSTILE_SEGMENTS);
      return pattern && random.chance(0.3) ? `${segment}/${random.pick(HOSTILE_SEGMENTS)}` : segment;
    }
    return plausibleParam(name, context, path, random);
  });
}

function plausibleParam(name: string, context: FuzzContext, path: string, random: Random): string {
  if (name === "token" && path.startsWith("/t/c/")) return context.tokens.click;
  switch (name) {
    case "key":
      return context.templateKey;
    case "token":
      return context.tokens.unsubscribe;
    case "file":
      return `${context.tokens.open}.gif`;
    case "email":
      return "fuzz%40example.com";
    case "eventId":
      return "1";
    case "userId":
      return "fuzz-user";
    case "journeyId":
      return "fuzz-journey";
    default:
      return uuid(random);
  }
}

function query(random: Random): string {
  if (random.chance(0.35)) return "";
  const count = 1 + random.int(3);
  const pairs: string[] = [];
  for (let i = 0; i < count; i++) {
    const value = random.chance(0.75)
      ? random.pick(HOSTILE_QUERY_VALUES)
      : random.pick(["10", "fuzz-user", "fuzz%40example.com", "text", "csv", "2026-01-01T00:00:00Z"]);
    pairs.push(`${random.pick(QUERY_KEYS)}=${value}`);
  }
  return `?${pairs.join("&")}`;
}

function validBody(route: FuzzRoute, random: Random, context: FuzzContext): unknown {
  const now = new Date().toISOString();
  const n = random.int(1_000_000);
  const event = () => ({
    event: "fuzz.event",
    userId: `fuzz-user-${random.int(20)}`,
    userEmail: "fuzz@example.com",
    properties: { plan: "pro", count: 1, tags: ["a"] },
    timestamp: now,
    messageId: `fuzz-${random.int(1_000_000)}`,
  });
  switch (route.path) {
    case "/v1/ingest":
      return random.chance(0.5) ? event() : { batch: [event(), event(), event()] };
    case "/v1/admin/contacts/:userId":
      return { email: "fuzz@example.com", properties: { plan: "pro", nested: { a: 1 } }, subscribed: true };
    case "/v1/admin/api-keys":
      return { name: `fuzz-${n}`, scope: "ingest" };
    case "/v1/send":
      return {
        to: "fuzz@example.com",
        userId: "fuzz-user",
        template: context.templateKey,
        subject: "Hello",
        props: { ...context.templateProps, extra: { a: [1, 2] } },
        from: "Fuzz <fuzz@example.com>",
        idempotencyKey: `fuzz-${n}`,
      };
    case "/v1/admin/suppressions":
      return { email: `fuzz${n}@example.com`, reason: "manual", note: "fuzz" };
    case "/v1/auth/sign-in/email":
    case "/v1/auth/sign-up/email":
      return { email: `fuzz${n}@example.com`, password: "fuzz-password-123", name: "Fuzz", rememberMe: true };
    case "/v1/auth/admin/create-user":
      return { email: `fuzz${n}@example.com`, password: "fuzz-password-123", name: "Fuzz", role: "viewer" };
    case "/v1/auth/admin/set-role":
    case "/v1/auth/admin/ban-user":
      return { userId: uuid(random), role: "viewer", banReason: "fuzz", banExpiresIn: 60 };
    case "/v1/webhooks/resend":
      return {
        type: random.pick([
          "email.bounced",
          "email.delivered",
          "email.complained",
          "email.opened",
          "email.clicked",
          "email.delivery_delayed",
        ]),
        created_at: now,
        data: {
          created_at: now,
          email_id: uuid(random),
          from: "Fuzz <fuzz@example.com>",
          to: ["fuzz@example.com"],
          subject: "Hello",
          tags: { hogsend_message_id: uuid(random) },
          bounce: { type: "Permanent", subType: "General", message: "mailbox unavailable" },
          click: { link: "https://example.com/a", userAgent: "Fuzz/1.0" },
          open: { userAgent: "Fuzz/1.0" },
        },
      };
    case "/v1/webhooks/postmark":
      return random.pick([
        {
          RecordType: "Bounce",
          ID: n,
          Type: "HardBounce",
          MessageID: uuid(random),
          Email: "fuzz@example.com",
          BouncedAt: now,
          Inactive: false,
          Description: "bounced",
          Tag: "fuzz",
          Metadata: { hogsend_message_id: uuid(random) },
        },
        { RecordType: "Delivery", MessageID: uuid(random), Recipient: "fuzz@example.com", DeliveredAt: now },
        {
          RecordType: "Open",
          MessageID: uuid(random),
          Recipient: "fuzz@example.com",
          ReceivedAt: now,
          UserAgent: "Fuzz/1.0",
        },
        {
          RecordType: "Click",
          MessageID: uuid(random),
          Recipient: "fuzz@example.com",
          ReceivedAt: now,
          OriginalLink: "https://example.com",
        },
        {
          RecordType: "SpamComplaint",
          ID: n,
          MessageID: uuid(random),
          Email: "fuzz@example.com",
          BouncedAt: now,
        },
      ]);
    default:
      return { name: "fuzz", email: "fuzz@example.com", userId: "fuzz-user" };
  }
}

/** Every place in a JSON document where a value can be swapped, as a path of keys. */
function holes(value: unknown, path: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(path);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) holes(item, [...path, i], out);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) holes(item, [...path, key], out);
  }
  return out;
}

function withMarker(value: unknown, path: ReadonlyArray<string | number>, addKey: boolean): unknown {
  if (path.length === 0) {
    if (addKey && typeof value === "object" && value !== null && !Array.isArray(value)) {
      return { ...value, [KEY_HOLE]: HOLE };
    }
    return HOLE;
  }
  const [head, ...rest] = path;
  if (Array.isArray(value))
    return value.map((item, i) => (i === head ? withMarker(item, rest, addKey) : item));
  const record = value as Record<string, unknown>;
  return { ...record, [String(head)]: withMarker(record[String(head)], rest, addKey) };
}

/** A valid body with one value (or one new key) replaced by a hostile literal. */
export function mutateBody(base: unknown, random: Random, literal = hostileJson(random)): string {
  const places = holes(base);
  const addKey = random.chance(0.2);
  const text = JSON.stringify(withMarker(base, random.pick(places), addKey));
  return text.replace(`"${KEY_HOLE}"`, () => random.pick(HOSTILE_KEYS)).replace(`"${HOLE}"`, () => literal);
}

function encodeBody(text: string, random: Random): { body: string | Uint8Array; note: string } {
  const roll = random.next();
  if (roll < 0.04) return { body: text.slice(0, random.int(text.length)), note: "truncated" };
  if (roll < 0.07) {
    const at = Math.max(1, text.indexOf('"') + 1);
    const bytes = Buffer.from(text);
    return {
      body: Buffer.concat([bytes.subarray(0, at), INVALID_UTF8, bytes.subarray(at)]),
      note: "invalid utf-8",
    };
  }
  if (roll < 0.08) return { body: "", note: "empty" };
  if (roll < 0.085) return { body: JSON.stringify({ pad: "p".repeat(1_100_000) }), note: "over the limit" };
  return { body: text, note: "" };
}

function authHeaders(
  route: FuzzRoute,
  random: Random,
  context: FuzzContext,
  body: string | Uint8Array,
  authorised: boolean,
) {
  const roll = authorised ? 1 : random.next();
  if (route.path === "/v1/webhooks/resend") {
    if (roll < 0.1) return { "svix-id": "msg_x", "svix-timestamp": "1", "svix-signature": "v1,bad" };
    const id = `msg_${uuid(random)}`;
    const at = new Date();
    const payload = typeof body === "string" ? body : new TextDecoder().decode(body);
    return {
      "svix-id": id,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": new Webhook(context.resendSecret).sign(id, at, payload),
    };
  }
  if (route.path === "/v1/webhooks/postmark") {
    const pass = roll < 0.1 ? "wrong" : context.postmarkPass;
    return { authorization: `Basic ${Buffer.from(`${context.postmarkUser}:${pass}`).toString("base64")}` };
  }
  if (roll < 0.05) return {};
  if (roll < 0.1) return { authorization: "Bearer hs_not_a_real_key_0123456789" };
  return { authorization: `Bearer ${context.adminKey}` };
}

const FORMS = [
  "List-Unsubscribe=One-Click",
  "intent=preferences&subscribed=product&global=unsubscribed",
  "intent=preferences&subscribed=%00&subscribed=%ff&global=%",
  "intent=%00",
  "__proto__=x&constructor=y",
  `intent=preferences&subscribed=${"x".repeat(5_000)}`,
  "intent=unsubscribe",
  "%zz=%zz",
];

function importBody(random: Random): { body: string; type: string } {
  if (random.chance(0.5)) {
    return {
      type: "text/csv",
      body: `userId,email\nfuzz-imp-${random.int(1000)},a${random.pick(["\u0000", "%00", ","])}@b.c\n`,
    };
  }
  const lines = Array.from({ length: 1 + random.int(3) }, () =>
    mutateBody(
      { userId: `fuzz-imp-${random.int(1000)}`, email: "i@example.com", properties: { a: 1 } },
      random,
    ),
  );
  return { type: "application/x-ndjson", body: `${lines.join("\n")}\n` };
}

export interface BuildOptions {
  /** Forces this hostile JSON literal into the body (the systematic pass). */
  literal?: string | undefined;
  hostilePath?: boolean | undefined;
  /** Puts this value in every path parameter. */
  segment?: string | undefined;
  /** Uses this query string (with its `?`) instead of a generated one. */
  query?: string | undefined;
  /** Always send valid credentials. */
  authorised?: boolean | undefined;
}

/** One generated request to `route`. */
export function buildRequest(
  route: FuzzRoute,
  random: Random,
  context: FuzzContext,
  options: BuildOptions = {},
): FuzzRequest {
  const path = fillPath(
    route.path,
    random,
    context,
    options.hostilePath ?? random.chance(0.5),
    options.segment,
  );
  const url = `${path}${options.query ?? query(random)}`;
  const literal = options.literal;
  const headers: Record<string, string> = {};
  let body: string | Uint8Array | undefined;
  let note = "";
  const wantsBody =
    !["GET", "HEAD"].includes(route.method) && (route.method !== "DELETE" || random.chance(0.2));
  if (route.path.endsWith("/import")) {
    const made = importBody(random);
    body = made.body;
    headers["content-type"] = made.type;
  } else if (route.path.startsWith("/u/") && route.method === "POST") {
    body = random.pick(FORMS);
    headers["content-type"] = random.chance(0.8)
      ? "application/x-www-form-urlencoded"
      : "multipart/form-data; boundary=x";
  } else if (wantsBody) {
    const text = mutateBody(validBody(route, random, context), random, literal);
    const encoded = literal === undefined ? encodeBody(text, random) : { body: text, note: "" };
    body = encoded.body;
    note = encoded.note;
    headers["content-type"] = random.chance(0.9) ? "application/json" : random.pick(CONTENT_TYPES);
  }
  if (route.path === "/v1/send" && random.chance(0.2)) {
    headers["idempotency-key"] = random.pick(["x".repeat(5_000), "\u00ff\u00fe", "a b", "%00"]);
  }
  Object.assign(headers, authHeaders(route, random, context, body ?? "", options.authorised ?? false));
  const label = `${route.method} ${route.path}${note ? ` [${note}]` : ""}`;
  return body === undefined
    ? { label, method: route.method, url, headers }
    : { label, method: route.method, url, headers, body };
}

const KEY_VALUES = ["a%00b", "%ff", "%25", "0000-01-01T00:00:00Z", "x".repeat(3_000), "99999999999999999999"];

/**
 * The systematic pass, with valid credentials: every hostile JSON literal twice in each body route's valid body,
 * every query key with hostile values, and every hostile path segment in each parameter.
 */
export function systematicRequests(
  routes: readonly FuzzRoute[],
  random: Random,
  context: FuzzContext,
): FuzzRequest[] {
  const literals = everyHostileJson();
  return routes.flatMap((route) => {
    const requests: FuzzRequest[] = [];
    const authorised = true;
    if (["POST", "PUT", "PATCH"].includes(route.method)) {
      for (const literal of [...literals, ...literals]) {
        requests.push(
          buildRequest(route, random, context, { literal, hostilePath: false, query: "", authorised }),
        );
      }
    }
    for (const key of QUERY_KEYS) {
      for (const value of KEY_VALUES.slice(0, 3).concat(random.pick(KEY_VALUES.slice(3)))) {
        requests.push(
          buildRequest(route, random, context, { hostilePath: false, query: `?${key}=${value}`, authorised }),
        );
      }
    }
    if (route.path.includes(":")) {
      for (const segment of HOSTILE_SEGMENTS) {
        requests.push(buildRequest(route, random, context, { segment, query: "", authorised }));
      }
    }
    return requests;
  });
}
