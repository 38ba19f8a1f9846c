import { describe, expect, it } from "vitest";
import type { PropertyCondition } from "./journey-types.js";
import { matchesConditions } from "./property-conditions.js";

const c = (
  operator: PropertyCondition["operator"],
  property: string,
  value?: PropertyCondition["value"],
  source: PropertyCondition["source"] = "context",
): PropertyCondition => ({
  type: "property",
  source,
  property,
  operator,
  ...(value === undefined ? {} : { value }),
});

const sources = {
  context: { plan: "pro", amount: 42, count: "7", tags: ["a", "b"], nested: { tier: "gold" }, nothing: null },
  contact: { country: "FR", age: 30 },
};

describe("matchesConditions", () => {
  it.each([
    [c("eq", "plan", "pro"), true],
    [c("eq", "plan", "free"), false],
    [c("neq", "plan", "free"), true],
    [c("eq", "count", 7), true],
    [c("gt", "amount", 41), true],
    [c("gt", "amount", 42), false],
    [c("gte", "amount", 42), true],
    [c("lt", "count", 8), true],
    [c("lte", "amount", 41), false],
    [c("exists", "plan"), true],
    [c("exists", "nothing"), false],
    [c("exists", "missing"), false],
    [c("not_exists", "nothing"), true],
    [c("not_exists", "plan"), false],
    [c("contains", "plan", "r"), true],
    [c("contains", "plan", "x"), false],
    [c("contains", "tags", "b"), true],
    [c("eq", "nested.tier", "gold"), true],
    [c("eq", "country", "FR", "contact"), true],
    [c("gte", "age", 31, "contact"), false],
    [c("gt", "plan", 1), false],
  ])("%j -> %s", (condition, expected) => {
    expect(matchesConditions([condition], sources)).toBe(expected);
  });

  it("ANDs all conditions and accepts an empty list", () => {
    expect(matchesConditions([c("eq", "plan", "pro"), c("eq", "country", "FR", "contact")], sources)).toBe(
      true,
    );
    expect(matchesConditions([c("eq", "plan", "pro"), c("eq", "country", "DE", "contact")], sources)).toBe(
      false,
    );
    expect(matchesConditions(undefined, sources)).toBe(true);
    expect(matchesConditions([], sources)).toBe(true);
  });
});
