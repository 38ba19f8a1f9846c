import { z } from "zod";
import { type JsonLimits, unsafeJsonProblems } from "./find-unsafe-json.js";
import { isPlainObject } from "./is-plain-object.js";
import { isStorableText, UNSTORABLE_TEXT_REASON } from "./storable-text.js";
import { checkEventTime, toStorableDate } from "./timestamp-range.js";

// Enough to show a client what is wrong with one value; more would only grow the error response.
const MAX_ISSUES_PER_VALUE = 10;

/** A string Postgres can store: `min`..`max` characters (default at least 1), no NUL, no unpaired surrogate. */
export function safeText(max: number, options: { min?: number } = {}) {
  return z
    .string()
    .min(options.min ?? 1)
    .max(max)
    .refine(isStorableText, UNSTORABLE_TEXT_REASON);
}

/**
 * Any JSON value within `limits` (see `unsafeJsonProblems`), each problem reported at its own path. The value is
 * checked in place and passed through uncopied, so a `__proto__` key never reaches an assignment.
 */
export function safeJson(limits: JsonLimits) {
  return z.unknown().superRefine((value, ctx) => addJsonIssues(value, limits, ctx));
}

/** `safeJson` that must also be an object (not an array, not null). */
export function safeJsonObject(limits: JsonLimits) {
  return z
    .custom<Record<string, unknown>>(isPlainObject, "must be an object")
    .superRefine((value, ctx) => addJsonIssues(value, limits, ctx));
}

/** A string holding JSON (a query parameter), parsed and then held to `safeJsonObject(limits)`. */
export function safeJsonObjectString(limits: JsonLimits) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: "custom", message: "is not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(safeJsonObject(limits));
}

/** Epoch milliseconds or an ISO 8601 string, as a Date between 1970-01-01 and a day after `now()`. */
export function eventTime(now: () => Date) {
  return z.union([z.string().max(64), z.number()]).transform((value, ctx) => {
    const checked = checkEventTime(value, now());
    if ("reason" in checked) {
      ctx.addIssue({ code: "custom", message: checked.reason });
      return z.NEVER;
    }
    return checked.date;
  });
}

/** An ISO 8601 date-time with offset, as a Date between 1970-01-01 and 9999-12-31. */
export function storableTimestamp() {
  return z.iso.datetime({ offset: true }).transform((value, ctx) => {
    const date = toStorableDate(value);
    if (!date) {
      ctx.addIssue({ code: "custom", message: "must be between 1970-01-01 and 9999-12-31" });
      return z.NEVER;
    }
    return date;
  });
}

/** An integer (a query string is coerced) in `min`..`max`, never beyond what a double holds exactly. */
export function boundedInt(min: number, max: number) {
  return z.coerce.number().int().min(min).max(Math.min(max, Number.MAX_SAFE_INTEGER));
}

function addJsonIssues(value: unknown, limits: JsonLimits, ctx: z.RefinementCtx): void {
  let count = 0;
  for (const problem of unsafeJsonProblems(value, limits)) {
    ctx.addIssue({ code: "custom", message: problem.reason, path: [...problem.path] });
    if (++count >= MAX_ISSUES_PER_VALUE) return;
  }
}
