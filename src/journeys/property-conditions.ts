import type { PropertyCondition } from "./journey-types.js";

export interface ConditionSources {
  /** The event's properties. */
  context: Record<string, unknown>;
  /** The contact's stored properties. */
  contact: Record<string, unknown>;
}

/** True when every condition holds (AND). An empty or missing list always holds. */
export function matchesConditions(
  conditions: readonly PropertyCondition[] | undefined,
  sources: ConditionSources,
): boolean {
  if (!conditions) return true;
  return conditions.every((condition) => matchesCondition(condition, sources));
}

/** A property by name, or by dotted path (`plan.tier`) when no property has the whole name. */
export function readProperty(source: Record<string, unknown>, path: string): unknown {
  if (path in source) return source[path];
  let value: unknown = source;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function matchesCondition(condition: PropertyCondition, sources: ConditionSources): boolean {
  const actual = readProperty(sources[condition.source], condition.property);
  const expected = condition.value;
  switch (condition.operator) {
    case "exists":
      return actual !== undefined && actual !== null;
    case "not_exists":
      return actual === undefined || actual === null;
    case "eq":
      return looselyEqual(actual, expected);
    case "neq":
      return !looselyEqual(actual, expected);
    case "contains":
      if (Array.isArray(actual)) return actual.some((item) => looselyEqual(item, expected));
      return typeof actual === "string" && expected != null && actual.includes(String(expected));
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return compare(actual, expected, condition.operator);
  }
}

// Event properties often carry numbers as strings ("42"); compare those numerically.
function looselyEqual(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (actual === undefined || expected === undefined) return actual === expected;
  const a = asNumber(actual);
  const b = asNumber(expected);
  if (a !== undefined && b !== undefined && (typeof actual === "number" || typeof expected === "number")) {
    return a === b;
  }
  return false;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function compare(actual: unknown, expected: unknown, operator: "gt" | "gte" | "lt" | "lte"): boolean {
  let a: number | string | undefined = asNumber(actual);
  let b: number | string | undefined = asNumber(expected);
  if (a === undefined || b === undefined) {
    // Both strings (ISO dates compare correctly as strings).
    if (typeof actual !== "string" || typeof expected !== "string") return false;
    a = actual;
    b = expected;
  }
  switch (operator) {
    case "gt":
      return a > b;
    case "gte":
      return a >= b;
    case "lt":
      return a < b;
    case "lte":
      return a <= b;
  }
}
