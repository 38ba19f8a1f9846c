import type { Severity } from "./alert-rules.js";

export interface AlertStatus {
  status: "ok" | "firing";
  severity: Severity | null;
  openedAt: Date | null;
  lastNotifiedAt: Date | null;
}

export const INITIAL_STATUS: AlertStatus = {
  status: "ok",
  severity: null,
  openedAt: null,
  lastNotifiedAt: null,
};

export type AlertTransition = "opened" | "escalated" | "repeated" | "resolved";

const RANK: Record<Severity, number> = { warning: 1, critical: 2 };

/**
 * One step of an alert: from its stored status and this evaluation's verdict to the next status and the
 * notification to send, if any. An incident opens once; a rise to critical is sent at once; while it stays
 * firing it is sent again only after `cooldownMs`; it resolves when the verdict is healthy. An `unknown` verdict
 * (too little data) changes nothing. Pure: `now` is the caller's clock.
 */
export function stepAlert(
  current: AlertStatus,
  verdict: Severity | null | "unknown",
  now: Date,
  cooldownMs: number,
): { next: AlertStatus; transition: AlertTransition | undefined } {
  if (verdict === "unknown") return { next: current, transition: undefined };
  if (verdict === null) {
    if (current.status === "ok") return { next: current, transition: undefined };
    return { next: INITIAL_STATUS, transition: "resolved" };
  }
  if (current.status === "ok" || current.severity === null) {
    return {
      next: { status: "firing", severity: verdict, openedAt: now, lastNotifiedAt: now },
      transition: "opened",
    };
  }
  if (RANK[verdict] > RANK[current.severity]) {
    return { next: { ...current, severity: verdict, lastNotifiedAt: now }, transition: "escalated" };
  }
  const since = current.lastNotifiedAt ?? current.openedAt ?? now;
  if (now.getTime() - since.getTime() >= cooldownMs) {
    return { next: { ...current, severity: verdict, lastNotifiedAt: now }, transition: "repeated" };
  }
  // A fall from critical to warning is not news; the severity follows the verdict for the next repeat.
  return { next: { ...current, severity: verdict }, transition: undefined };
}
