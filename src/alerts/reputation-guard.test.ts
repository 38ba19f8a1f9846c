import { describe, expect, it } from "vitest";
import type { Observation } from "./alert-rules.js";
import { decideGuard, type GuardInput } from "./reputation-guard.js";

const MINUTE = 60_000;
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (minutes: number) => new Date(t0.getTime() + minutes * MINUTE);

const observe = (
  rule: "complaint_rate" | "bounce_rate",
  severity: Observation["severity"],
  bad = 1,
): Observation => ({
  rule,
  severity,
  value: 0,
  threshold: null,
  summary: `${rule} ${severity}`,
  details: { bad },
});

const input = (overrides: Partial<GuardInput>): GuardInput => ({
  observations: [observe("complaint_rate", null), observe("bounce_rate", null)],
  paused: false,
  pausedBy: null,
  resumedAt: null,
  incidentOpenedAt: {},
  calmSince: null,
  now: t0,
  resumeAfterMs: 60 * MINUTE,
  ...overrides,
});

describe("decideGuard", () => {
  it("pauses on a critical complaint or bounce rate, not on a warning", () => {
    expect(decideGuard(input({ observations: [observe("complaint_rate", "warning")] }))).toEqual({
      action: "hold",
      calmSince: null,
    });
    expect(decideGuard(input({ observations: [observe("bounce_rate", "critical")] }))).toMatchObject({
      action: "pause",
      rule: "bounce_rate",
    });
  });

  it("does not pause again in an incident an admin resumed, but does for the next incident", () => {
    const critical = [observe("complaint_rate", "critical")];
    expect(
      decideGuard(
        input({ observations: critical, resumedAt: at(10), incidentOpenedAt: { complaint_rate: at(5) } }),
      ),
    ).toMatchObject({ action: "hold" });
    expect(
      decideGuard(
        input({ observations: critical, resumedAt: at(10), incidentOpenedAt: { complaint_rate: at(20) } }),
      ),
    ).toMatchObject({ action: "pause" });
  });

  it("resumes its own pause once both rates have been under warn for the configured time", () => {
    const paused = { paused: true, pausedBy: "rule:complaint_rate" };
    // Calm starts counting at the first calm evaluation…
    expect(decideGuard(input({ ...paused, now: at(0) }))).toEqual({ action: "hold", calmSince: at(0) });
    expect(decideGuard(input({ ...paused, calmSince: at(0), now: at(59) }))).toEqual({
      action: "hold",
      calmSince: at(0),
    });
    expect(decideGuard(input({ ...paused, calmSince: at(0), now: at(60) }))).toMatchObject({
      action: "resume",
    });
    // …and a warning in between starts it over.
    const warning = [observe("complaint_rate", "warning"), observe("bounce_rate", null)];
    expect(decideGuard(input({ ...paused, observations: warning, calmSince: at(0), now: at(30) }))).toEqual({
      action: "hold",
      calmSince: null,
    });
  });

  it("counts too little volume as calm only when the window holds no complaint or bounce", () => {
    const paused = { paused: true, pausedBy: "rule:complaint_rate", calmSince: at(0), now: at(90) };
    const quiet = [observe("complaint_rate", "unknown", 0), observe("bounce_rate", "unknown", 0)];
    expect(decideGuard(input({ ...paused, observations: quiet }))).toMatchObject({ action: "resume" });
    const someComplaints = [observe("complaint_rate", "unknown", 2), observe("bounce_rate", "unknown", 0)];
    expect(decideGuard(input({ ...paused, observations: someComplaints }))).toMatchObject({ action: "hold" });
  });

  it("never lifts a pause it did not set", () => {
    expect(
      decideGuard(input({ paused: true, pausedBy: "api_key:k1", calmSince: at(0), now: at(600) })),
    ).toEqual({ action: "hold", calmSince: null });
  });
});
