import { z } from "zod";
import { ErrorCodes, HogsendError } from "../errors.js";
import {
  checkEventTime,
  EVENT_TIME_FORMAT_REASON,
  formatJsonPath,
  isPlainObject,
  MAX_EVENT_FUTURE_MS,
  unsafeJsonProblems,
} from "../lib/input-guard/index.js";
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
  /** Timestamps further ahead than this are a client clock bug, not a future event; earlier than 1970 are refused. */
  maxFutureMs: MAX_EVENT_FUTURE_MS,
} as const;

const KNOWN_FIELDS = new Set(["event", "userId", "userEmail", "properties", "timestamp", "messageId"]);
// Enough to show a client what is wrong; more would only grow the error response.
const MAX_PROBLEMS = 100;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const STRUCTURE_LIMITS = { maxDepth: INGEST_LIMITS.maxDepth };

export interface IngestProblem {
  /** Position in `batch` (0 for a single event). */
  index: number;
  /** The field within the event: `userId`, `properties.plan`, `(event)`. */
  path: string;
  message: string;
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
  timestamp: z.union([z.string().max(64), z.number()], EVENT_TIME_FORMAT_REASON).optional(),
  messageId: z.string().min(1, "must not be empty").max(INGEST_LIMITS.maxMessageId).optional(),
});

/**
 * Turns a parsed `POST /v1/ingest` body — one event or `{ batch: [...] }` — into events to store, or throws one
 * VALIDATION_FAILED listing every bad event's index, path and message (the whole batch is rejected). Unknown
 * top-level fields of an event are kept in `extra`. Keys that could pollute a prototype are rejected anywhere.
 */
export function validateIngestBody(body: unknown, now: Date): NewEvent[] {
  if (!isPlainObject(body)) throw invalid([{ index: 0, path: "(body)", message: "must be a JSON object" }]);
  let items: unknown[];
  if ("batch" in body) {
    const batch = body.batch;
    if (!Array.isArray(batch)) throw invalid([{ index: 0, path: "batch", message: "must be an array" }]);
    if (batch.length === 0 || batch.length > INGEST_LIMITS.maxBatch) {
      throw invalid([
        { index: 0, path: "batch", message: `must hold 1 to ${INGEST_LIMITS.maxBatch} events` },
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
    problems.push({ index, path: "(event)", message: "must be an object" });
    return undefined;
  }
  const before = problems.length;
  // Walk the raw value before zod sees it: zod copies objects, and copying a `__proto__` key would set a prototype.
  // The walk also finds unstorable text anywhere in the event, so nothing below can reach Postgres with it.
  for (const problem of unsafeJsonProblems(raw, STRUCTURE_LIMITS)) {
    if (problems.length >= MAX_PROBLEMS) break;
    problems.push({ index, path: formatJsonPath(problem.path, "(event)"), message: problem.reason });
  }
  if (problems.length > before) return undefined;
  const parsed = eventSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ index, path: issue.path.map(String).join(".") || "(event)", message: issue.message });
    }
    return undefined;
  }
  const value = parsed.data;
  let occurredAt = now;
  if (value.timestamp !== undefined) {
    const checked = checkEventTime(value.timestamp, now);
    if ("reason" in checked) {
      problems.push({ index, path: "timestamp", message: checked.reason });
      return undefined;
    }
    occurredAt = checked.date;
  }
  const serialised = value.properties ? JSON.stringify(value.properties) : "";
  if (serialised.length > INGEST_LIMITS.maxPropertiesChars) {
    problems.push({
      index,
      path: "properties",
      message: `is larger than ${INGEST_LIMITS.maxPropertiesChars} characters when serialised`,
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
    if (serialisedExtra.length > INGEST_LIMITS.maxPropertiesChars) {
      problems.push({ index, path: "(unknown fields)", message: "are too large" });
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

function invalid(problems: IngestProblem[]): HogsendError {
  return new HogsendError(
    ErrorCodes.VALIDATION_FAILED,
    `${problems.length} problem(s) in the request; nothing was stored`,
    { details: problems.slice(0, MAX_PROBLEMS) },
  );
}
