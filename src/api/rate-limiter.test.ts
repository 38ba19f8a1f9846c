import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limiter.js";

describe("createRateLimiter", () => {
  it("allows a burst, refuses beyond it with a retry delay, and refills over time", () => {
    let t = 0;
    const limiter = createRateLimiter({ ratePerSecond: 10, burst: 20, now: () => t });
    expect(limiter.take("k", 15)).toEqual({ ok: true });
    expect(limiter.take("k", 5)).toEqual({ ok: true });
    expect(limiter.take("k", 10)).toEqual({ ok: false, retryAfterSeconds: 1 });
    t += 500;
    expect(limiter.take("k", 10)).toEqual({ ok: false, retryAfterSeconds: 1 });
    t += 500;
    expect(limiter.take("k", 10)).toEqual({ ok: true });
    expect(limiter.take("other", 20)).toEqual({ ok: true });
  });

  it("reports how long a large request must wait", () => {
    const limiter = createRateLimiter({ ratePerSecond: 2, burst: 10, now: () => 0 });
    expect(limiter.take("k", 10)).toEqual({ ok: true });
    expect(limiter.take("k", 8)).toEqual({ ok: false, retryAfterSeconds: 4 });
  });

  it("is off at rate 0", () => {
    const limiter = createRateLimiter({ ratePerSecond: 0, burst: 0, now: () => 0 });
    for (let i = 0; i < 100; i++) expect(limiter.take("k", 1000).ok).toBe(true);
  });
});
