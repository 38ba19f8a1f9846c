import { describe, expect, it } from "vitest";
import { MAX_QUARANTINES_IN_A_ROW, POISON_ATTEMPTS, PoisonEventPolicy } from "./poison-event-policy.js";

const dataError = Object.assign(new Error("invalid input syntax"), { code: "22P02" });
const outage = Object.assign(new Error("terminating connection due to administrator command"), {
  code: "57P01",
});
const deadlock = Object.assign(new Error("deadlock detected"), { code: "40P01" });

describe("PoisonEventPolicy", () => {
  it("retries outages and races as they are, without isolating", () => {
    const policy = new PoisonEventPolicy();
    expect(policy.failed(outage)).toEqual({ kind: "retry", reason: "transient" });
    expect(policy.failed(deadlock)).toEqual({ kind: "retry", reason: "transient" });
    expect(policy.batchLimit(500)).toBe(500);
  });

  it("isolates after a data error, quarantines the head after POISON_ATTEMPTS, then routes whole batches", () => {
    const policy = new PoisonEventPolicy();
    expect(policy.failed(dataError)).toEqual({ kind: "isolate" });
    expect(policy.batchLimit(500)).toBe(1);
    for (let attempt = 1; attempt < POISON_ATTEMPTS; attempt++) {
      expect(policy.failed(dataError)).toEqual({ kind: "retry", reason: "head_failed", attempt });
    }
    expect(policy.failed(dataError)).toEqual({ kind: "quarantine", attempts: POISON_ATTEMPTS });
    policy.quarantined();
    expect(policy.batchLimit(500)).toBe(500);
  });

  it("a good event routed alone resets the head's count; an empty queue ends isolation", () => {
    const policy = new PoisonEventPolicy();
    policy.failed(dataError);
    policy.failed(dataError);
    policy.routed(1);
    expect(policy.batchLimit(500)).toBe(1);
    expect(policy.failed(dataError)).toEqual({ kind: "retry", reason: "head_failed", attempt: 1 });
    policy.routed(0);
    expect(policy.batchLimit(500)).toBe(500);
  });

  it("stops moving events aside when every event fails, until something routes again", () => {
    const policy = new PoisonEventPolicy();
    for (let i = 0; i < MAX_QUARANTINES_IN_A_ROW; i++) {
      expect(policy.failed(dataError).kind).toBe("isolate");
      for (let attempt = 1; attempt < POISON_ATTEMPTS; attempt++) policy.failed(dataError);
      expect(policy.failed(dataError).kind).toBe("quarantine");
      policy.quarantined();
    }
    expect(policy.failed(dataError)).toEqual({
      kind: "retry",
      reason: "everything_fails",
      quarantinesInARow: MAX_QUARANTINES_IN_A_ROW,
    });
    policy.routed(5);
    expect(policy.failed(dataError)).toEqual({ kind: "isolate" });
  });
});
