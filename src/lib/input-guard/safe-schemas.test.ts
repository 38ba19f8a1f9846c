import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  boundedInt,
  eventTime,
  safeJsonObject,
  safeJsonObjectString,
  safeText,
  storableTimestamp,
} from "./safe-schemas.js";

const issues = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => [i.path.join("."), i.message]);
};

describe("zod helpers of the input guard", () => {
  it("safeText refuses NUL, unpaired surrogates and length out of bounds", () => {
    const text = safeText(5);
    expect(text.parse("hello")).toBe("hello");
    for (const bad of ["a\u0000", "\ud800", "", "toolong"])
      expect(text.safeParse(bad).success, bad).toBe(false);
    expect(safeText(5, { min: 0 }).parse("")).toBe("");
  });

  it("safeJsonObject reports each problem at its path inside the field and passes the value through uncopied", () => {
    const schema = z.object({ props: safeJsonObject({ maxDepth: 2 }) });
    const props = JSON.parse('{"a":{"b":{"c":{"d":1}}},"__proto__":{"x":1},"n":"\\u0000"}');
    expect(issues(schema, { props })).toEqual([
      ["props.a.b.c", "nests deeper than 2 levels"],
      ["props.__proto__", "is a reserved key (prototype pollution)"],
      ["props.n", "contains a NUL character or an unpaired surrogate"],
    ]);
    const ok = { a: 1 };
    expect(schema.parse({ props: ok }).props).toBe(ok);
    expect(issues(schema, { props: [1] })).toEqual([["props", "must be an object"]]);
  });

  it("safeJsonObjectString parses JSON text first", () => {
    const schema = safeJsonObjectString({ maxDepth: 3 });
    expect(schema.parse('{"a":1}')).toEqual({ a: 1 });
    expect(issues(schema, "{")).toEqual([["", "is not valid JSON"]]);
  });

  it("eventTime, storableTimestamp and boundedInt keep values Postgres can hold", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    expect(eventTime(() => now).parse("2026-05-01T00:00:00Z")).toEqual(new Date("2026-05-01T00:00:00Z"));
    expect(
      issues(
        eventTime(() => now),
        "0000-01-01T00:00:00Z",
      ),
    ).toEqual([["", "is before 1970-01-01"]]);
    expect(storableTimestamp().parse("2026-01-01T00:00:00+01:00")).toEqual(new Date("2025-12-31T23:00:00Z"));
    expect(storableTimestamp().safeParse("0000-01-01T00:00:00Z").success).toBe(false);
    expect(boundedInt(1, Number.POSITIVE_INFINITY).safeParse("99999999999999999999").success).toBe(false);
    expect(boundedInt(1, 10).parse("7")).toBe(7);
  });
});
