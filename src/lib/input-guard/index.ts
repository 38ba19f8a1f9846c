/**
 * The one input guard for every way in (HTTP bodies, query and path parameters, webhook payloads, imports):
 * text Postgres can store, JSON values bounded in depth and size and free of prototype keys, and dates within
 * a storable range. Routes use the zod helpers in their schemas; other code calls the checks directly.
 */
export {
  findUnsafeJson,
  formatJsonPath,
  type JsonLimits,
  type JsonPath,
  type JsonProblem,
  unsafeJsonProblems,
} from "./find-unsafe-json.js";
export { isPlainObject } from "./is-plain-object.js";
export { isUuid } from "./is-uuid.js";
export {
  boundedInt,
  eventTime,
  safeJson,
  safeJsonObject,
  safeJsonObjectString,
  safeText,
  storableTimestamp,
} from "./safe-schemas.js";
export { isStorableText, toStorableText, UNSTORABLE_TEXT_REASON } from "./storable-text.js";
export {
  checkEventTime,
  EARLIEST_TIME_MS,
  EVENT_TIME_FORMAT_REASON,
  isStorableDate,
  LATEST_TIME_MS,
  MAX_EVENT_FUTURE_MS,
  toStorableDate,
} from "./timestamp-range.js";
