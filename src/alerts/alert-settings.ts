import { z } from "zod";

// The `alerts` key of hogsend.config.ts. Rates are percentages of the mail sent in the window; every rule can be
// turned off with `false`. The defaults are the thresholds mailbox providers enforce (Gmail and Yahoo's bulk
// sender rules: keep complaints under 0.1 %, never reach 0.3 %).

const percent = z.number().min(0).max(100);
const count = z.number().int().min(0);
const minutes = z.number().positive().max(525_600);

const band = <T extends z.ZodType>(value: T) =>
  z.strictObject({ warn: value.optional(), critical: value.optional() });

const alertsConfigSchema = z.strictObject({
  /** The window rates and counts are measured over. Default 60 minutes. */
  windowMinutes: minutes.optional(),
  /** A firing alert is sent again after this long. Default 60 minutes. */
  cooldownMinutes: minutes.optional(),
  /** Complaints per mail sent, in percent. Default warn 0.1, critical 0.3. */
  complaintRate: z.union([z.literal(false), band(percent)]).optional(),
  /** Hard bounces per mail sent, in percent. Default warn 2, critical 5. */
  bounceRate: z.union([z.literal(false), band(percent)]).optional(),
  /** Messages failed for good per message sent or failed, in percent. Default warn 5, critical 20. */
  providerErrorRate: z.union([z.literal(false), band(percent)]).optional(),
  /** Journey runs failed in the window. Default warn 10, critical 100. */
  failedRuns: z.union([z.literal(false), band(count)]).optional(),
  /** Runs due but unclaimed for longer than this (no worker is running): critical. Default 10 minutes. */
  strandedRuns: z.union([z.literal(false), z.strictObject({ afterMinutes: minutes.optional() })]).optional(),
  /** Events in routing dead letters. Default warn 1, critical 100. */
  deadLetters: z.union([z.literal(false), band(count)]).optional(),
  /** Age of the oldest event waiting to be routed, in seconds. Default warn 300, critical 1800. */
  routingLag: z.union([z.literal(false), band(count)]).optional(),
  /** Age of the oldest due email still queued, in seconds. Default warn 600, critical 3600. */
  outboxLag: z.union([z.literal(false), band(count)]).optional(),
  /** No provider webhook for this long while mail is being sent (bounces would go unseen): warning. Default 6. */
  webhooksSilent: z
    .union([z.literal(false), z.strictObject({ hours: z.number().positive().optional() })])
    .optional(),
  /**
   * Pauses non-transactional sending when complaints or bounces reach critical; resumes on `POST
   * /v1/admin/sending/resume` or after both rates have stayed under warn for `resumeAfterMinutes` (default 60).
   */
  reputationGuard: z
    .union([z.literal(false), z.strictObject({ resumeAfterMinutes: minutes.optional() })])
    .optional(),
});

/** What a project may put under `alerts` in hogsend.config.ts. */
export type AlertsConfig = z.input<typeof alertsConfigSchema>;

export interface Band {
  warn: number | undefined;
  critical: number | undefined;
}

/** The rules' settings with every default applied; `undefined` turns a rule off. */
export interface AlertSettings {
  windowMs: number;
  cooldownMs: number;
  /** Sends in the window below which the rate rules do not alert (HOGSEND_ALERTS_MIN_VOLUME). */
  minVolume: number;
  complaintRate: Band | undefined;
  bounceRate: Band | undefined;
  providerErrorRate: Band | undefined;
  failedRuns: Band | undefined;
  strandedAfterMs: number | undefined;
  deadLetters: Band | undefined;
  routingLag: Band | undefined;
  outboxLag: Band | undefined;
  webhooksSilentMs: number | undefined;
  guardResumeAfterMs: number | undefined;
}

export interface AlertsConfigProblem {
  path: string;
  message: string;
}

/** Checks a project's `alerts`; returns the problems (each with its path under `alerts`) or the parsed value. */
export function parseAlertsConfig(
  value: unknown,
): { ok: true; config: AlertsConfig } | { ok: false; problems: AlertsConfigProblem[] } {
  const parsed = alertsConfigSchema.safeParse(value ?? {});
  if (parsed.success) {
    for (const [name, rule] of Object.entries(parsed.data)) {
      if (rule && typeof rule === "object" && "warn" in rule && "critical" in rule) {
        const { warn, critical } = rule as { warn?: number; critical?: number };
        if (warn !== undefined && critical !== undefined && warn > critical) {
          return {
            ok: false,
            problems: [{ path: `alerts.${name}`, message: "warn must not be above critical" }],
          };
        }
      }
    }
    return { ok: true, config: parsed.data };
  }
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      path: ["alerts", ...issue.path.map(String)].join("."),
      message: issue.message,
    })),
  };
}

const MINUTE = 60_000;

function resolveBand(value: false | Partial<Band> | undefined, defaults: Band): Band | undefined {
  if (value === false) return undefined;
  return { warn: value?.warn ?? defaults.warn, critical: value?.critical ?? defaults.critical };
}

/** The settings the evaluator runs with: the project's `alerts` over the built-in defaults. */
export function resolveAlertSettings(config: AlertsConfig | undefined, minVolume: number): AlertSettings {
  const c = config ?? {};
  return {
    windowMs: (c.windowMinutes ?? 60) * MINUTE,
    cooldownMs: (c.cooldownMinutes ?? 60) * MINUTE,
    minVolume,
    complaintRate: resolveBand(c.complaintRate, { warn: 0.1, critical: 0.3 }),
    bounceRate: resolveBand(c.bounceRate, { warn: 2, critical: 5 }),
    providerErrorRate: resolveBand(c.providerErrorRate, { warn: 5, critical: 20 }),
    failedRuns: resolveBand(c.failedRuns, { warn: 10, critical: 100 }),
    strandedAfterMs: c.strandedRuns === false ? undefined : (c.strandedRuns?.afterMinutes ?? 10) * MINUTE,
    deadLetters: resolveBand(c.deadLetters, { warn: 1, critical: 100 }),
    routingLag: resolveBand(c.routingLag, { warn: 300, critical: 1800 }),
    outboxLag: resolveBand(c.outboxLag, { warn: 600, critical: 3600 }),
    webhooksSilentMs: c.webhooksSilent === false ? undefined : (c.webhooksSilent?.hours ?? 6) * 60 * MINUTE,
    guardResumeAfterMs:
      c.reputationGuard === false ? undefined : (c.reputationGuard?.resumeAfterMinutes ?? 60) * MINUTE,
  };
}
