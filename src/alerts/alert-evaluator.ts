import { randomBytes } from "node:crypto";
import os from "node:os";
import { Counter, Gauge, type Registry } from "prom-client";
import { recordAudit } from "../audit/audit-store.js";
import { type Database, isConnectionError } from "../db/database.js";
import { readDeliveryHealth } from "../email/outbox/delivery-health-store.js";
import {
  countHeldMessages,
  pauseSending,
  readSendingPause,
  resumeSending,
} from "../email/outbox/sending-pause-store.js";
import type { TemplateRegistry } from "../email/templates/template-registry.js";
import { readRoutingHealth } from "../events/routing-health-store.js";
import { readRunHealth } from "../journeys/run-health-store.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import {
  type AlertChannelSettings,
  configuredChannels,
  PermanentChannelError,
  sendAlertNotification,
} from "./alert-channels.js";
import { ALERT_RULES, type AlertRule, evaluateRules, type Observation } from "./alert-rules.js";
import type { AlertSettings } from "./alert-settings.js";
import { stepAlert } from "./alert-state-machine.js";
import {
  claimDueNotifications,
  listAlertStates,
  lockAlertState,
  markNotification,
  recordAlertTransition,
  releaseAlertLease,
  saveAlertState,
  takeAlertLease,
} from "./alert-store.js";
import { decideGuard, GUARDED_RULES } from "./reputation-guard.js";

export interface AlertEvaluatorOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  settings: AlertSettings;
  channels: AlertChannelSettings;
  /** Holds the alert email template when email alerts are on (the app's registry). */
  templates: TemplateRegistry;
  /** HOGSEND_ALERTS_INTERVAL_SECONDS. */
  intervalMs: number;
  metrics?: Registry | undefined;
}

export interface AlertEvaluator {
  readonly owner: string;
  /** One evaluation now, if this process holds (or takes) the lease; true when it evaluated. */
  evaluate(): Promise<boolean>;
  /** Sends due notifications now (lease holder only); returns how many were attempted. */
  deliver(): Promise<number>;
  stop(): Promise<void>;
}

const LEASE = "evaluator";
const GUARD_AUDIT = { actor: { type: "system" as const, name: "reputation-guard" } };
const MAX_ATTEMPTS = 12;
const RETRY_POLL_MS = 5_000;

/**
 * The alert loop every worker runs; one at a time evaluates, the holder of the `evaluator` lease in Postgres
 * (renewed each interval, taken over by another worker once it lapses for three intervals). Each evaluation reads
 * the health figures, steps each rule's state machine under that rule's row lock, applies the reputation guard,
 * and writes transitions with their notifications in the same transaction, so evaluating twice at once or again
 * after a crash sends nothing twice. Notifications are sent from their table with retries; a failing channel is
 * logged and retried, never thrown.
 */
export function startAlertEvaluator(options: AlertEvaluatorOptions): AlertEvaluator {
  const { db, clock, settings } = options;
  const log = options.logger.child({ component: "alerts" });
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const leaseMs = Math.max(options.intervalMs * 3, 10_000);
  const channels = configuredChannels(options.channels);
  const metrics = registerAlertMetrics(options.metrics);
  let holding = false;
  let stopping = false;
  let busy: Promise<unknown> = Promise.resolve();

  const step = async (observation: Observation, now: Date) => {
    return db.transaction(async (tx) => {
      const current = await lockAlertState(tx, observation.rule, now);
      const { next, transition } = stepAlert(current, observation.severity, now, settings.cooldownMs);
      await saveAlertState(tx, {
        rule: observation.rule,
        status: next,
        value: observation.value,
        threshold: observation.threshold,
        summary: observation.summary,
        details: observation.details,
        resolvedAt: transition === "resolved" ? now : undefined,
        now,
      });
      if (transition) {
        await recordAlertTransition(
          tx,
          {
            rule: observation.rule,
            kind: transition,
            severity: transition === "resolved" ? current.severity : next.severity,
            value: observation.value,
            threshold: observation.threshold,
            summary: observation.summary,
            details: observation.details,
            at: now,
          },
          channels,
        );
        log.info({ rule: observation.rule, transition, severity: next.severity }, observation.summary);
      }
      return next;
    });
  };

  const guard = async (observations: Observation[], opened: Record<string, Date | null>, now: Date) => {
    if (settings.guardResumeAfterMs === undefined) return;
    const resumeAfterMs = settings.guardResumeAfterMs;
    await db.transaction(async (tx) => {
      const state = await lockAlertState(tx, "reputation_guard", now);
      const pause = await readSendingPause(tx);
      const decision = decideGuard({
        observations,
        paused: pause.paused,
        pausedBy: pause.pausedBy,
        resumedAt: pause.resumedAt,
        incidentOpenedAt: opened,
        calmSince: typeof state.details.calmSince === "string" ? new Date(state.details.calmSince) : null,
        now,
        resumeAfterMs,
      });
      let paused = pause.paused;
      let summary = state.summary ?? "Sending not paused";
      let calmSince: Date | null = null;
      if (decision.action === "pause") {
        await pauseSending(tx, { reason: decision.reason, by: `rule:${decision.rule}`, at: now });
        await recordAudit(tx, GUARD_AUDIT, {
          action: "sending.paused",
          targetType: "sending",
          targetId: null,
          after: { pausedAt: now.toISOString(), reason: decision.reason, pausedBy: `rule:${decision.rule}` },
        });
        paused = true;
        summary = `Non-transactional sending paused by the reputation guard: ${decision.reason}`;
        log.error({ rule: decision.rule }, summary);
      } else if (decision.action === "resume") {
        await resumeSending(tx, { by: "guard", at: now });
        await recordAudit(tx, GUARD_AUDIT, {
          action: "sending.resumed",
          targetType: "sending",
          targetId: null,
          before: {
            pausedAt: pause.pausedAt?.toISOString() ?? null,
            reason: pause.reason,
            pausedBy: pause.pausedBy,
          },
          after: { pausedAt: null, resumedBy: "guard", why: decision.reason },
        });
        paused = false;
        summary = `Sending resumed by the reputation guard: ${decision.reason}`;
        log.warn(summary);
      } else {
        calmSince = decision.calmSince;
        if (paused) {
          summary = `Non-transactional sending paused since ${pause.pausedAt?.toISOString()} (${pause.pausedBy}): ${pause.reason}. Resume with POST /v1/admin/sending/resume.`;
        } else if (state.status === "firing") {
          summary = `Sending resumed by ${pause.resumedBy ?? "an admin"}`;
        }
      }
      const held = paused ? await countHeldMessages(tx) : 0;
      const { next, transition } = stepAlert(state, paused ? "critical" : null, now, settings.cooldownMs);
      const details = {
        calmSince: calmSince?.toISOString() ?? null,
        held,
        pausedBy: paused ? pause.pausedBy : null,
      };
      await saveAlertState(tx, {
        rule: "reputation_guard",
        status: next,
        value: held,
        threshold: null,
        summary,
        details,
        resolvedAt: transition === "resolved" ? now : undefined,
        now,
      });
      if (transition) {
        await recordAlertTransition(
          tx,
          {
            rule: "reputation_guard",
            kind: transition,
            severity: transition === "resolved" ? "critical" : next.severity,
            value: held,
            threshold: null,
            summary,
            details,
            at: now,
          },
          channels,
        );
      }
      metrics?.paused.set(paused ? 1 : 0);
    });
  };

  const evaluateNow = async (): Promise<boolean> => {
    const now = clock.now();
    const held = holding;
    holding = await takeAlertLease(db, { name: LEASE, owner, leaseMs, now });
    if (!holding) {
      // Another worker evaluates: this one's verdicts are stale, but every worker reports the switch.
      if (held) metrics?.firing.reset();
      if (metrics) metrics.paused.set((await readSendingPause(db)).paused ? 1 : 0);
      return false;
    }
    const from = new Date(now.getTime() - settings.windowMs);
    const [delivery, runs, routing] = await Promise.all([
      readDeliveryHealth(db, { from, now }),
      readRunHealth(db, {
        from,
        now,
        strandedBefore: new Date(now.getTime() - (settings.strandedAfterMs ?? 0)),
      }),
      readRoutingHealth(db, now),
    ]);
    const observations = evaluateRules({ now, delivery, runs, routing }, settings);
    const opened: Record<string, Date | null> = {};
    for (const observation of observations) {
      const next = await step(observation, now);
      if ((GUARDED_RULES as readonly string[]).includes(observation.rule))
        opened[observation.rule] = next.openedAt;
      metrics?.firing.set(
        { rule: observation.rule },
        next.status === "firing" ? (next.severity === "critical" ? 2 : 1) : 0,
      );
    }
    // A rule turned off in the config while it was firing resolves, instead of showing as firing forever.
    const observed = new Set<string>([...observations.map((o) => o.rule), "reputation_guard"]);
    for (const state of await listAlertStates(db)) {
      if (state.status !== "firing" || observed.has(state.rule)) continue;
      if (!(ALERT_RULES as readonly string[]).includes(state.rule)) continue;
      await step(
        {
          rule: state.rule as AlertRule,
          severity: null,
          value: state.value ?? 0,
          threshold: state.threshold,
          summary: `${state.rule} is turned off in the alerts settings`,
          details: {},
        },
        now,
      );
    }
    await guard(observations, opened, now);
    return true;
  };

  const deliverNow = async (): Promise<number> => {
    if (!holding || channels.length === 0) return 0;
    const due = await claimDueNotifications(db, clock.now(), 50);
    for (const notification of due) {
      const now = clock.now();
      try {
        await sendAlertNotification(notification.channel, notification.entry, {
          settings: options.channels,
          db,
          templates: options.templates,
        });
        await markNotification(db, { id: notification.id, outcome: "sent", now });
        metrics?.notifications.inc({ channel: notification.channel, outcome: "sent" });
      } catch (error) {
        const message = String((error as Error)?.message ?? error);
        const attempts = notification.attempts + 1;
        const permanent = error instanceof PermanentChannelError || attempts >= MAX_ATTEMPTS;
        const retryAt = new Date(now.getTime() + Math.min(15_000 * 2 ** (attempts - 1), 1_800_000));
        await markNotification(db, {
          id: notification.id,
          outcome: permanent ? "failed" : "retry",
          error: message,
          retryAt,
          now,
        });
        metrics?.notifications.inc({
          channel: notification.channel,
          outcome: permanent ? "failed" : "retry",
        });
        (permanent ? log.error : log.warn).call(
          log,
          { channel: notification.channel, rule: notification.entry.rule, attempts, err: message },
          permanent ? "alert notification failed for good" : "alert notification failed; retrying",
        );
      }
    }
    return due.length;
  };

  // One thing at a time: an evaluation and a delivery never overlap in this process.
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const result = busy.then(work, work);
    busy = result.catch(() => {});
    return result;
  };
  const tick = (work: () => Promise<unknown>) => {
    if (stopping) return;
    serial(work).catch((error) => {
      if (!isConnectionError(error))
        log.error({ err: error }, "alert evaluation failed; retrying next interval");
    });
  };
  const evaluateAndDeliver = async () => {
    if (await evaluateNow()) await deliverNow();
  };
  tick(evaluateAndDeliver);
  const evaluateTimer = setInterval(() => tick(evaluateAndDeliver), options.intervalMs);
  evaluateTimer.unref();
  const retryTimer = setInterval(() => tick(deliverNow), Math.min(RETRY_POLL_MS, options.intervalMs));
  retryTimer.unref();

  return {
    owner,
    evaluate: () => serial(evaluateNow),
    deliver: () => serial(deliverNow),
    async stop() {
      stopping = true;
      clearInterval(evaluateTimer);
      clearInterval(retryTimer);
      await busy;
      if (holding) await releaseAlertLease(db, { name: LEASE, owner }).catch(() => {});
    },
  };
}

function registerAlertMetrics(registry: Registry | undefined) {
  if (!registry) return undefined;
  const existing = registry.getSingleMetric("hogsend_alerts_firing");
  if (existing) registry.removeSingleMetric("hogsend_alerts_firing");
  for (const name of ["hogsend_alert_notifications_total", "hogsend_sending_paused"]) {
    if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  }
  return {
    firing: new Gauge({
      name: "hogsend_alerts_firing",
      help: "Alert rules this evaluator last judged firing: 0 ok, 1 warning, 2 critical (the evaluating worker only)",
      labelNames: ["rule"],
      registers: [registry],
    }),
    notifications: new Counter({
      name: "hogsend_alert_notifications_total",
      help: "Alert notification attempts by channel and outcome (sent, retry, failed)",
      labelNames: ["channel", "outcome"],
      registers: [registry],
    }),
    paused: new Gauge({
      name: "hogsend_sending_paused",
      help: "1 while the reputation guard holds non-transactional mail (read by every worker each alert interval)",
      registers: [registry],
    }),
  };
}
