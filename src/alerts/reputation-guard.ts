import type { Observation } from "./alert-rules.js";

/** The rules whose critical verdict pauses non-transactional sending. */
export const GUARDED_RULES = ["complaint_rate", "bounce_rate"] as const;

export interface GuardInput {
  observations: readonly Observation[];
  paused: boolean;
  /** Who paused: `rule:<id>` when the guard did. */
  pausedBy: string | null;
  /** When an admin (or the guard) last resumed. */
  resumedAt: Date | null;
  /** When each guarded rule's current incident opened (null when it is not firing). */
  incidentOpenedAt: Partial<Record<string, Date | null>>;
  /** Since when both guarded rates have been under warn while paused (from the guard's state). */
  calmSince: Date | null;
  now: Date;
  resumeAfterMs: number;
}

export type GuardDecision =
  | { action: "pause"; rule: string; reason: string }
  | { action: "resume"; reason: string }
  | { action: "hold"; calmSince: Date | null };

/**
 * The reputation guard's decision for one evaluation. It pauses when a guarded rate is critical, unless an admin
 * resumed after that incident opened (a resume holds for the rest of the incident: the admin has decided). It
 * resumes its own pause once both rates have stayed under the warning band for `resumeAfterMs`; too little volume
 * to judge counts as calm only when the window holds no complaint (or bounce) at all. Pure.
 */
export function decideGuard(input: GuardInput): GuardDecision {
  const guarded = input.observations.filter((o) => (GUARDED_RULES as readonly string[]).includes(o.rule));
  if (!input.paused) {
    const critical = guarded.find((o) => o.severity === "critical");
    if (critical) {
      const opened = input.incidentOpenedAt[critical.rule] ?? null;
      const resumedDuringIncident = input.resumedAt !== null && opened !== null && input.resumedAt >= opened;
      if (!resumedDuringIncident) return { action: "pause", rule: critical.rule, reason: critical.summary };
    }
    return { action: "hold", calmSince: null };
  }
  if (!input.pausedBy?.startsWith("rule:")) return { action: "hold", calmSince: null };
  const calm =
    guarded.length > 0 &&
    guarded.every(
      (o) => o.severity === null || (o.severity === "unknown" && (o.details.bad as number | undefined) === 0),
    );
  if (!calm) return { action: "hold", calmSince: null };
  const since = input.calmSince ?? input.now;
  if (input.now.getTime() - since.getTime() >= input.resumeAfterMs) {
    const minutes = Math.round(input.resumeAfterMs / 60_000);
    return {
      action: "resume",
      reason: `complaint and bounce rates under the warning band for ${minutes} min`,
    };
  }
  return { action: "hold", calmSince: since };
}
