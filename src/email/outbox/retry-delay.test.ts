import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./retry-delay.js";

describe("retryDelayMs", () => {
  it("doubles per attempt around the base, within ±20% jitter, capped at an hour", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 1_000, mid))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(1, 1_000, () => 0)).toBe(800);
    expect(retryDelayMs(1, 1_000, () => 1)).toBe(1_200);
    expect(retryDelayMs(30, 1_000, mid)).toBe(3_600_000);
  });
});
