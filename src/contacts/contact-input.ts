import { INGEST_LIMITS } from "../events/validate-ingest.js";
import {
  findUnsafeJson,
  formatJsonPath,
  isPlainObject,
  isStorableText,
  type JsonPath,
  UNSTORABLE_TEXT_REASON,
} from "../lib/input-guard/index.js";

/** One contact to import: the same fields as PUT /v1/admin/contacts/:userId plus the user id. */
export interface ImportContact {
  userId: string;
  email: string | null;
  properties: Record<string, unknown>;
  /** undefined leaves the subscription state alone. */
  subscribed: boolean | undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The first reserved key, unstorable string or over-deep nesting inside a contact document (the limits of event
 * properties), or undefined when it is safe to store.
 */
export function findUnsafeContactValue(
  value: unknown,
  root: JsonPath = [],
): { field: string; reason: string } | undefined {
  const problem = findUnsafeJson(value, { maxDepth: INGEST_LIMITS.maxDepth }, root);
  return problem ? { field: formatJsonPath(problem.path), reason: problem.reason } : undefined;
}

export function checkUserId(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return "userId must be a non-empty string";
  if (value.length > INGEST_LIMITS.maxUserId)
    return `userId is longer than ${INGEST_LIMITS.maxUserId} characters`;
  if (!isStorableText(value)) return `userId ${UNSTORABLE_TEXT_REASON}`;
  return undefined;
}

export function checkEmail(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (
    typeof value !== "string" ||
    value.length > INGEST_LIMITS.maxEmail ||
    !EMAIL.test(value) ||
    !isStorableText(value)
  ) {
    return "email must be an email address";
  }
  return undefined;
}

export function checkProperties(value: unknown): string | undefined {
  if (!isPlainObject(value)) return "properties must be an object";
  const unsafe = findUnsafeContactValue(value, ["properties"]);
  if (unsafe) return `${unsafe.field} ${unsafe.reason}`;
  const serialised = JSON.stringify(value);
  if (serialised.length > INGEST_LIMITS.maxPropertiesChars) {
    return `properties are larger than ${INGEST_LIMITS.maxPropertiesChars} characters when serialised`;
  }
  return undefined;
}

/** Validates a decoded row (NDJSON object or CSV record already mapped to fields). */
export function toImportContact(raw: Record<string, unknown>): ImportContact | { error: string } {
  const unsafe = findUnsafeContactValue(raw);
  if (unsafe) return { error: `${unsafe.field} ${unsafe.reason}` };
  const userId = raw.userId ?? raw.user_id;
  const problem =
    checkUserId(userId) ??
    checkEmail(raw.email) ??
    (raw.properties === undefined ? undefined : checkProperties(raw.properties));
  if (problem) return { error: problem };
  let subscribed: boolean | undefined;
  if (raw.subscribed !== undefined && raw.subscribed !== null && raw.subscribed !== "") {
    if (raw.subscribed === true || raw.subscribed === "true") subscribed = true;
    else if (raw.subscribed === false || raw.subscribed === "false") subscribed = false;
    else return { error: "subscribed must be true or false" };
  }
  return {
    userId: userId as string,
    email: (raw.email as string | null | undefined) || null,
    properties: (raw.properties as Record<string, unknown> | undefined) ?? {},
    subscribed,
  };
}
