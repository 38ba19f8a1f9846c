import { describe, expect, it } from "vitest";
import { type AlertStatus, INITIAL_STATUS, stepAlert } from "./alert-state-machine.js";

const HOUR = 3_600_000;
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

/** Feeds verdicts through the machine on a virtual clock, one per minute, and collects the transitions. */
function run(verdicts: Array<"warning" | "critical" | null | "unknown">, cooldownMs = HOUR) {
  let status: AlertStatus = INITIAL_STATUS;
  const transitions: string[] = [];
  verdicts.forEach((verdict, i) => {
    const step = stepAlert(status, verdict, at(i * 60_000), cooldownMs);
    status = step.next;
    if (step.transition) transitions.push(`${i}:${step.transition}:${status.severity ?? "-"}`);
  });
  return { status, transitions };
}

describe("stepAlert", () => {
  it("opens once for an incident however many evaluations see it", () => {
    const { transitions, status } = run(["warning", "warning", "warning", "warning"]);
    expect(transitions).toEqual(["0:opened:warning"]);
    expect(status).toMatchObject({ status: "firing", severity: "warning", openedAt: t0 });
  });

  it("repeats only after the cooldown, counted from the last notification", () => {
    const verdicts = Array.from({ length: 125 }, () => "warning" as const);
    expect(run(verdicts).transitions).toEqual([
      "0:opened:warning",
      "60:repeated:warning",
      "120:repeated:warning",
    ]);
  });

  it("resolves once when the verdict is healthy, and a new incident opens again", () => {
    const { transitions } = run(["critical", null, null, "warning", null]);
    expect(transitions).toEqual(["0:opened:critical", "1:resolved:-", "3:opened:warning", "4:resolved:-"]);
  });

  it("sends an escalation to critical at once but not a fall back to warning", () => {
    const { transitions, status } = run(["warning", "critical", "warning", "warning"]);
    expect(transitions).toEqual(["0:opened:warning", "1:escalated:critical"]);
    expect(status.severity).toBe("warning");
  });

  it("lets an unknown verdict (too little data) neither open nor resolve", () => {
    expect(run(["unknown", "unknown"]).transitions).toEqual([]);
    const { transitions, status } = run(["critical", "unknown", "unknown"]);
    expect(transitions).toEqual(["0:opened:critical"]);
    expect(status.status).toBe("firing");
  });

  it("does nothing while healthy", () => {
    const step = stepAlert(INITIAL_STATUS, null, t0, HOUR);
    expect(step).toEqual({ next: INITIAL_STATUS, transition: undefined });
  });
});
