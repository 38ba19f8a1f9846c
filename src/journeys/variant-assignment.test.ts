import { describe, expect, it } from "vitest";
import { pickVariant } from "./variant-assignment.js";

const users = Array.from({ length: 4000 }, (_, i) => `user-${i}`);

describe("pickVariant", () => {
  it("is deterministic per (journey, user, name), and names draw independently", () => {
    const who = { journeyId: "j", userId: "u1", name: "subject" };
    const first = pickVariant(who, ["a", "b"]);
    expect(pickVariant(who, ["a", "b"])).toEqual(first);
    expect(first.bucket).toBeGreaterThanOrEqual(0);
    expect(first.bucket).toBeLessThan(1);
    const bySubject = users.map(
      (userId) => pickVariant({ journeyId: "j", userId, name: "subject" }, ["a", "b"]).arm,
    );
    const byCta = users.map((userId) => pickVariant({ journeyId: "j", userId, name: "cta" }, ["a", "b"]).arm);
    const agree = bySubject.filter((arm, i) => arm === byCta[i]).length / users.length;
    // Independent fair coins agree about half the time (4000 draws: ±3 σ ≈ ±0.024).
    expect(agree).toBeGreaterThan(0.45);
    expect(agree).toBeLessThan(0.55);
  });

  it("follows the weights", () => {
    const arms = users.map(
      (userId) => pickVariant({ journeyId: "j", userId, name: "w" }, { a: 1, b: 3 }).arm,
    );
    const shareB = arms.filter((arm) => arm === "b").length / arms.length;
    expect(shareB).toBeGreaterThan(0.72);
    expect(shareB).toBeLessThan(0.78);
    // A zero weight is never picked.
    const none = users.map(
      (userId) => pickVariant({ journeyId: "j", userId, name: "w" }, { a: 0, b: 1 }).arm,
    );
    expect(new Set(none)).toEqual(new Set(["b"]));
  });

  it("refuses arms it cannot draw from", () => {
    const who = { journeyId: "j", userId: "u", name: "x" };
    expect(() => pickVariant(who, [])).toThrow(/at least one arm/);
    expect(() => pickVariant(who, ["a", "a"])).toThrow(/listed twice/);
    expect(() => pickVariant(who, { a: -1 })).toThrow(/finite number/);
    expect(() => pickVariant(who, { a: 0 })).toThrow(/positive weight/);
    expect(() => pickVariant({ ...who, name: "" }, ["a"])).toThrow(/non-empty/);
  });
});
