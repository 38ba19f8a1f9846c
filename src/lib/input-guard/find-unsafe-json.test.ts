import { describe, expect, it } from "vitest";
import { findUnsafeJson, formatJsonPath, unsafeJsonProblems } from "./find-unsafe-json.js";

const deep = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);

describe("unsafeJsonProblems", () => {
  it("accepts ordinary documents, including paired surrogates", () => {
    const value = { plan: "pro", n: 1.5, ok: true, none: null, tags: ["a", "😀"], nested: { deeper: [{}] } };
    expect(findUnsafeJson(value, { maxDepth: 10, maxChars: 1_000 })).toBeUndefined();
  });

  it("names NUL and unpaired surrogates in values and keys by path", () => {
    const value = JSON.parse('{"a":{"b":["ok","x\\u0000"]},"\\ud800":1,"c":"\\udc00"}');
    const problems = [...unsafeJsonProblems(value, { maxDepth: 10 })];
    expect(problems.map((p) => formatJsonPath(p.path))).toEqual(["a.b.1", "\ud800", "c"]);
  });

  it("refuses prototype keys anywhere without copying the value", () => {
    const value = JSON.parse('{"x":{"__proto__":{"polluted":true}},"constructor":1,"y":{"prototype":2}}');
    const paths = [...unsafeJsonProblems(value, { maxDepth: 10 })].map((p) => formatJsonPath(p.path));
    expect(paths).toEqual(["x.__proto__", "constructor", "y.prototype"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("stops at maxDepth without recursion, however deep the document", () => {
    for (const depth of [5_000, 100_000]) {
      const problem = findUnsafeJson(deep(depth), { maxDepth: 10 }, ["props"]);
      expect(problem?.reason).toBe("nests deeper than 10 levels");
      expect(problem?.path).toEqual(["props", ..."a".repeat(11)]);
    }
    expect(findUnsafeJson(deep(10), { maxDepth: 10 })).toBeUndefined();
  });

  it("refuses a document over maxChars and non-finite numbers", () => {
    expect(findUnsafeJson({ blob: "x".repeat(2_000) }, { maxDepth: 5, maxChars: 1_000 })?.reason).toMatch(
      /larger than 1000 characters/,
    );
    expect(findUnsafeJson(JSON.parse("[1e400]"), { maxDepth: 5 })?.reason).toBe("is not a finite number");
  });
});
