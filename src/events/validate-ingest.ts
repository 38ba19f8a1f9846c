import { z } from "zod";
import { ErrorCodes, HogsendError } from "../errors.js";
import { uuidv7 } from "../lib/uuid-v7.js";
import type { NewEvent } from "./event-types.js";

/** Validation limits of `POST /v1/ingest`. */
export const INGEST_LIMITS = {
  maxBatch: 1000,
  maxEventName: 200,
  maxUserId: 256,
  maxEmail: 320,
  maxMessageId: 200,
  /** Objects/arrays nested inside `properties` (and unknown fields) below this depth are rejected. */
  maxDepth: 10,
  /** Serialised size of one event's properties, in UTF-16 code units (close to bytes for typical payloads). */
  maxPropertiesChars: 32_768,
  /** Timestamps further ahead than this are a client clock bug, not a future event. */
  maxFutureMs: 24 * 60 * 60 * 1000,
} as const;

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const KNOWN_FIELDS = new Set(["event", "userId", "userEmail", "properties", "timestamp", "messageId"]);
// Enough to show a client what is wrong; more would only grow the error response.
const MAX_PROBLEMS = 100;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
// Postgres text and jsonb cannot hold NUL or unpaired UTF-16 surrogates; letting them through would turn a bad
// request into a database error (a 500) instead of a 400.
const UNSTORABLE_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// The same, as JSON.stringify writes it: `\u0000` or a lone surrogate escape, not preceded by an escaped backslash.
const UNSTORABLE_JSON = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** True when a string can be stored as Postgres text. */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE_TEXT.test(value);
}

/** True when JSON.stringify output can be stored as Postgres jsonb. */
export function isStorableJson(serialised: string): boolean {
  return !UNSTORABLE_JSON.test(serialised);
}

export interface IngestProblem {
  /** Position in `batch` (0 for a single event). */
  index: number;
  field: string;
  reason: string;
}

const eventSchema = z.object({
  event: z.string().min(1, "must not be empty").max(INGEST_LIMITS.maxEventName),
  userId: z.string().min(1, "must not be empty").max(INGEST_LIMITS.maxUserId),
  userEmail: z
    .string()
    .max(INGEST_LIMITS.maxEmail)
    .regex(EMAIL, "must be an email address")
    .nullable()
    .optional(),
  properties: z.custom<Record<string, unknown>>(isPlainObject, "must be an object").optional(),
  timestamp: z
    .union([z.string().max(64), z.number()], "must be an ISO 8601 string or epoch milliseconds")
    .optional(),
  messageId: z.string().min(1, "must not be empty").max(INGEST_LIMITS.maxMessageId).optional(),
});

/**
 * Turns a parsed `POST /v1/ingest` body — one event or `{ batch: [...] }` — into events to store, or throws one
 * VALIDATION_FAILED listing every bad event's index, field and reason (the whole batch is rejected). Unknown
 * top-level fields of an event are kept in `extra`. Keys that could pollute a prototype are rejected anywhere.
 */
export function validateIngestBody(body: unknown, now: Date): NewEvent[] {
  if (!isPlainObject(body)) throw invalid([{ index: 0, field: "(body)", reason: "must be a JSON object" }]);
  let items: unknown[];
  if ("batch" in body) {
    const batch = body.batch;
    if (!Array.isArray(batch)) throw invalid([{ index: 0, field: "batch", reason: "must be an array" }]);
    if (batch.length === 0 || batch.length > INGEST_LIMITS.maxBatch) {
      throw invalid([
        { index: 0, field: "batch", reason: `must hold 1 to ${INGEST_LIMITS.maxBatch} events` },
      ]);
    }
    items = batch;
  } else {
    items = [body];
  }
  const problems: IngestProblem[] = [];
  const events: NewEvent[] = [];
  for (let index = 0; index < items.length; index++) {
    const event = validateEvent(items[index], index, now, problems);
    if (event) events.push(event);
  }
  if (problems.length > 0) throw invalid(problems);
  return events;
}

function validateEvent(
  raw: unknown,
  index: number,
  now: Date,
  problems: IngestProblem[],
): NewEvent | undefined {
  if (!isPlainObject(raw)) {
    problems.push({ index, field: "(event)", reason: "must be an object" });
    return undefined;
  }
  const before = problems.length;
  // Walk the raw value before zod sees it: zod copies objects, and copying a `__proto__` key would set a prototype.
  checkKeysAndDepth(raw, 0, "", index, problems);
  if (problems.length > before) return undefined;
  const parsed = eventSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ index, field: issue.path.map(String).join(".") || "(event)", reason: issue.message });
    }
    return undefined;
  }
  const value = parsed.data;
  for (const field of ["event", "userId", "userEmail", "messageId"] as const) {
    const text = value[field];
    if (typeof text === "string" && !isStorableText(text)) {
      problems.push({ index, field, reason: "contains a NUL character or an unpaired surrogate" });
      return undefined;
    }
  }
  let occurredAt = now;
  if (value.timestamp !== undefined) {
    const date = new Date(value.timestamp);
    if (Number.isNaN(date.getTime())) {
      problems.push({
        index,
        field: "timestamp",
        reason: "must be an ISO 8601 string or epoch milliseconds",
      });
      return undefined;
    }
    if (date.getTime() - now.getTime() > INGEST_LIMITS.maxFutureMs) {
      problems.push({ index, field: "timestamp", reason: "is more than 24 hours in the future" });
      return undefined;
    }
    occurredAt = date;
  }
  const serialised = value.properties ? JSON.stringify(value.properties) : "";
  if (serialised.length > INGEST_LIMITS.maxPropertiesChars) {
    problems.push({
      index,
      field: "properties",
      reason: `is larger than ${INGEST_LIMITS.maxPropertiesChars} characters when serialised`,
    });
    return undefined;
  }
  if (!isStorableJson(serialised)) {
    problems.push({
      index,
      field: "properties",
      reason: "contains a NUL character or an unpaired surrogate",
    });
    return undefined;
  }
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(raw)) {
    if (KNOWN_FIELDS.has(key)) continue;
    extra ??= {};
    extra[key] = raw[key];
  }
  if (extra) {
    const serialisedExtra = JSON.stringify(extra);
    if (serialisedExtra.length > INGEST_LIMITS.maxPropertiesChars || !isStorableJson(serialisedExtra)) {
      problems.push({ index, field: "(unknown fields)", reason: "are too large or hold unstorable text" });
      return undefined;
    }
  }
  return {
    messageId: value.messageId ?? uuidv7(),
    assignedId: value.messageId === undefined,
    event: value.event,
    userId: value.userId,
    userEmail: value.userEmail ?? null,
    properties: value.properties ?? {},
    occurredAt,
    source: "api",
    extra,
  };
}

/** Depth-bounded, so a maliciously deep document costs at most maxDepth levels of recursion. */
function checkKeysAndDepth(
  value: unknown,
  depth: number,
  path: string,
  index: number,
  problems: IngestProblem[],
): void {
  if (typeof value !== "object" || value === null || problems.length >= MAX_PROBLEMS) return;
  if (depth > INGEST_LIMITS.maxDepth) {
    problems.push({ index, field: path, reason: `nests deeper than ${INGEST_LIMITS.maxDepth} levels` });
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      checkKeysAndDepth(value[i], depth + 1, `${path}.${i}`, index, problems);
    }
    return;
  }
  for (const key of Object.keys(value)) {
    const field = path === "" ? key : `${path}.${key}`;
    if (FORBIDDEN_KEYS.has(key)) {
      problems.push({ index, field, reason: "is a reserved key (prototype pollution)" });
      continue;
    }
    checkKeysAndDepth((value as Record<string, unknown>)[key], depth + 1, field, index, problems);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(problems: IngestProblem[]): HogsendError {
  return new HogsendError(
    ErrorCodes.VALIDATION_FAILED,
    `${problems.length} problem(s) in the request; nothing was stored`,
    { details: problems.slice(0, MAX_PROBLEMS) },
  );
}

/**
 * The first reserved key or over-deep nesting inside `value` (the same rules as event properties), or undefined
 * when it is safe to store. Shared with contact import and the contacts API.
 */
export function findUnsafeValue(value: unknown, path = ""): { field: string; reason: string } | undefined {
  const problems: IngestProblem[] = [];
  checkKeysAndDepth(value, 0, path, 0, problems);
  const first = problems[0];
  return first ? { field: first.field, reason: first.reason } : undefined;
}
