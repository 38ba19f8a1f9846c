import type { DeliveryHealth } from "../email/outbox/delivery-health-store.js";
import type { RoutingHealth } from "../events/routing-health-store.js";
import type { RunHealth } from "../journeys/run-health-store.js";
import type { AlertSettings, Band } from "./alert-settings.js";

export type Severity = "warning" | "critical";

export const ALERT_RULES = [
  "complaint_rate",
  "bounce_rate",
  "provider_error_rate",
  "failed_runs",
  "stranded_runs",
  "routing_dead_letters",
  "routing_lag",
  "outbox_lag",
  "webhooks_silent",
  "reputation_guard",
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

/**
 * One rule's verdict: a severity, `null` when healthy, or `unknown` when there is too little data to judge (a
 * rate over fewer sends than the minimum volume): an unknown verdict neither opens nor resolves an alert.
 */
export interface Observation {
  rule: AlertRule;
  severity: Severity | null | "unknown";
  value: number;
  threshold: number | null;
  summary: string;
  details: Record<string, unknown>;
}

export interface Readings {
  now: Date;
  delivery: DeliveryHealth;
  runs: RunHealth;
  routing: RoutingHealth;
}

function judge(value: number, band: Band): { severity: Severity | null; threshold: number | null } {
  if (band.critical !== undefined && value >= band.critical)
    return { severity: "critical", threshold: band.critical };
  if (band.warn !== undefined && value >= band.warn) return { severity: "warning", threshold: band.warn };
  return { severity: null, threshold: band.warn ?? band.critical ?? null };
}

const pct = (value: number) => `${Number(value.toFixed(3))} %`;

/** Judges every enabled rule (except the guard, which the evaluator derives) from one set of readings. */
export function evaluateRules(readings: Readings, settings: AlertSettings): Observation[] {
  const out: Observation[] = [];
  const { delivery, runs, routing } = readings;
  const windowMinutes = Math.round(settings.windowMs / 60_000);
  const rate = (rule: AlertRule, label: string, bad: number, total: number, band: Band | undefined) => {
    if (!band) return;
    const value = total === 0 ? 0 : (bad / total) * 100;
    const details = { bad, total, windowMinutes, minVolume: settings.minVolume };
    if (total < settings.minVolume) {
      out.push({
        rule,
        severity: "unknown",
        value,
        threshold: null,
        summary: `${label}: ${total} sends in the last ${windowMinutes} min, below the minimum volume of ${settings.minVolume}`,
        details,
      });
      return;
    }
    const { severity, threshold } = judge(value, band);
    out.push({
      rule,
      severity,
      value,
      threshold,
      summary: `${label} ${pct(value)} (${bad} of ${total} in the last ${windowMinutes} min)${
        severity && threshold !== null ? `, at or above ${pct(threshold)}` : ""
      }`,
      details,
    });
  };
  rate("complaint_rate", "Complaint rate", delivery.complaints, delivery.sent, settings.complaintRate);
  rate("bounce_rate", "Hard bounce rate", delivery.hardBounces, delivery.sent, settings.bounceRate);
  rate(
    "provider_error_rate",
    "Provider error rate",
    delivery.failed,
    delivery.sent + delivery.failed,
    settings.providerErrorRate,
  );
  const level = (rule: AlertRule, label: string, unit: string, value: number, band: Band | undefined) => {
    if (!band) return;
    const { severity, threshold } = judge(value, band);
    out.push({
      rule,
      severity,
      value,
      threshold,
      summary: `${label}: ${Math.round(value)}${unit}${severity && threshold !== null ? ` (threshold ${threshold}${unit})` : ""}`,
      details: {},
    });
  };
  level(
    "failed_runs",
    `Journey runs failed in the last ${windowMinutes} min`,
    "",
    runs.failed,
    settings.failedRuns,
  );
  level(
    "routing_dead_letters",
    "Events in routing dead letters",
    "",
    routing.deadLetters,
    settings.deadLetters,
  );
  level(
    "routing_lag",
    "Oldest event waiting to be routed",
    " s",
    routing.queueLagSeconds,
    settings.routingLag,
  );
  level("outbox_lag", "Oldest due email still queued", " s", delivery.outboxLagSeconds, settings.outboxLag);
  if (settings.strandedAfterMs !== undefined) {
    const minutes = Math.round(settings.strandedAfterMs / 60_000);
    out.push({
      rule: "stranded_runs",
      severity: runs.stranded > 0 ? "critical" : null,
      value: runs.stranded,
      threshold: 1,
      summary:
        runs.stranded > 0
          ? `${runs.stranded} journey run(s) due for more than ${minutes} min and not claimed: is a worker running?`
          : "No stranded runs",
      details: { oldestDueAt: runs.oldestStrandedDueAt?.toISOString() ?? null, afterMinutes: minutes },
    });
  }
  if (settings.webhooksSilentMs !== undefined) {
    const hours = settings.webhooksSilentMs / 3_600_000;
    const silentMs =
      delivery.lastWebhookAt === null
        ? Number.POSITIVE_INFINITY
        : readings.now.getTime() - delivery.lastWebhookAt.getTime();
    // Judged only while mail is being sent (at least the minimum volume in the window): an idle sender gets none.
    const sending = delivery.sent >= Math.max(1, settings.minVolume);
    const silent = silentMs >= settings.webhooksSilentMs;
    out.push({
      rule: "webhooks_silent",
      severity: !sending ? (silent ? "unknown" : null) : silent ? "warning" : null,
      value: Number.isFinite(silentMs) ? silentMs / 3_600_000 : -1,
      threshold: hours,
      summary: silent
        ? `No provider webhook for ${delivery.lastWebhookAt === null ? "ever" : `${(silentMs / 3_600_000).toFixed(1)} h`} while ${delivery.sent} emails were sent: bounces and complaints would go unseen (check the webhook configuration)`
        : "Provider webhooks arriving",
      details: { lastWebhookAt: delivery.lastWebhookAt?.toISOString() ?? null, sent: delivery.sent },
    });
  }
  return out;
}
