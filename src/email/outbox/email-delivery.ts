import { randomBytes } from "node:crypto";
import os from "node:os";
import type { Config } from "../../config.js";
import { contactPropertiesByUserId } from "../../contacts/contact-store.js";
import { type Database, isConnectionError } from "../../db/database.js";
import { startListenConnection } from "../../db/listen-connection.js";
import { type Clock, systemClock } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import { WakeSignal } from "../../lib/wake-signal.js";
import type { EmailProvider } from "../providers/email-provider.js";
import { createTemplateRenderer } from "../templates/render-template.js";
import type { TemplateRegistry } from "../templates/template-registry.js";
import { deliverMessage } from "./deliver-message.js";
import { foldEmailCounters } from "./email-counter-store.js";
import {
  type ClaimedMessage,
  claimMessages,
  type DeliveryOutcome,
  extendLeases,
  nextDueInMs,
  releaseExpiredLeases,
} from "./message-store.js";
import { createOutcomeWriter } from "./outcome-writer.js";
import { messagesNeedingPolicyCheck } from "./policy-prefilter.js";
import { createRateLimiter } from "./rate-limiter.js";
import { retryDelayMs } from "./retry-delay.js";

export const MESSAGES_CHANNEL = "hogsend_messages";

export interface EmailDeliveryOptions {
  db: Database;
  config: Config;
  logger: Logger;
  provider: EmailProvider;
  /** The project's templates (from its config), which the messages name. */
  templates: TemplateRegistry;
  /** Overrides config.worker.leaseMs (tests use short leases). */
  leaseMs?: number;
  /**
   * Schedules claims, leases and retries, like the engine's clock (default: the system clock), so the outbox and
   * the journeys agree on time and a virtual clock drives retries in tests.
   */
  clock?: Clock;
}

export interface EmailDeliveryStats {
  sent: number;
  retried: number;
  failed: number;
  refused: number;
}

export interface EmailDelivery {
  readonly owner: string;
  stats(): EmailDeliveryStats;
  /** Stops claiming, waits up to `graceMs` for sends in flight; anything left is retaken after its lease. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The outbox delivery loop: claims due messages (SKIP LOCKED + lease), checks deliverability, composes, calls the
 * provider under a rate limit and a concurrency cap, and records each outcome fenced on the lease. A queued message
 * wakes it through LISTEN/NOTIFY; polling is only the backstop. Outcomes are written in batches: while one write
 * is in progress the next ones accumulate, so under load one UPDATE records many sends.
 */
export async function startEmailDelivery(options: EmailDeliveryOptions): Promise<EmailDelivery> {
  const { db, config, logger, provider } = options;
  const clock = options.clock ?? systemClock;
  const settings = config.email.delivery;
  const leaseMs = options.leaseMs ?? config.worker.leaseMs;
  if (leaseMs <= settings.sendTimeoutMs) {
    logger.warn(
      { leaseMs, sendTimeoutMs: settings.sendTimeoutMs },
      "email lease shorter than the send timeout",
    );
  }
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const log = logger.child({ component: "email-delivery", provider: provider.name });
  const limiter = createRateLimiter(settings.ratePerSecond);
  const render = createTemplateRenderer(options.templates);
  const concurrency = settings.concurrency;
  // Claim in batches: waking for every single freed slot would cost one claim query per email.
  const claimThreshold = Math.max(1, Math.floor(concurrency / 4));
  const stats: EmailDeliveryStats = { sent: 0, retried: 0, failed: 0, refused: 0 };
  /** Messages at the provider (or checking/composing before it). */
  let inFlight = 0;
  /** Messages claimed whose outcome is not yet recorded. */
  let unsettled = 0;
  const maxUnsettled = concurrency * 2;
  let stopping = false;
  let nextReleaseAt = 0;
  const drained: Array<() => void> = [];
  // A signal while the loop is busy (not sleeping) is remembered, so the next sleep is skipped: no lost wake-up.
  const wake = new WakeSignal();
  const signal = () => wake.notify();

  const listener = startListenConnection({
    url: db.url,
    channels: [MESSAGES_CHANNEL],
    logger: log,
    applicationName: "hogsend-email-listen",
    onNotification: signal,
    // Messages queued while LISTEN was down sent notifications nobody heard: look now.
    onReconnect: signal,
  });

  const record = createOutcomeWriter({ db, owner, clock, leaseMs, logger: log });
  const deliverDeps = { db, config, render, provider, limiter };

  // `release` frees the provider slot as soon as the provider has answered: the outcome write that follows is
  // batched with others and must not hold a slot, or slow commits would throttle sending.
  const run = async (
    message: ClaimedMessage,
    needsPolicyCheck: boolean,
    contactProperties: Record<string, unknown> | undefined,
    release: () => void,
  ) => {
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliverMessage(message, needsPolicyCheck, contactProperties, deliverDeps);
    } catch (error) {
      log.error({ err: error, messageId: message.id }, "email delivery crashed; retrying later");
      outcome = {
        kind: "retry",
        id: message.id,
        delayMs: retryDelayMs(message.attempts, settings.retryBaseMs),
        error: String((error as Error)?.message ?? error),
      };
    }
    release();
    await record(outcome);
    if (outcome.kind === "sent") stats.sent++;
    else if (outcome.kind === "retry") stats.retried++;
    else if (outcome.kind === "failed") stats.failed++;
    else stats.refused++;
    if (outcome.kind === "failed") log.warn({ messageId: message.id, error: outcome.error }, "email failed");
  };

  const loop = async () => {
    while (!stopping) {
      wake.clear();
      let sleepMs = config.worker.pollIntervalMs;
      try {
        if (Date.now() >= nextReleaseAt) {
          nextReleaseAt = Date.now() + Math.min(5_000, Math.max(250, leaseMs / 4));
          const released = await releaseExpiredLeases(db, clock.now());
          if (released > 0) log.warn({ released }, "retaking emails whose worker stopped mid-send");
        }
        // Bounded: sends whose outcome is not yet written never exceed twice the concurrency.
        const free = Math.min(concurrency - inFlight, maxUnsettled - unsettled);
        if (free >= claimThreshold || (free > 0 && inFlight === 0)) {
          const claimed = await claimMessages(db, { owner, leaseMs, limit: free, now: clock.now() });
          // If the pre-check fails, every message takes the full per-message check: slower, never wrong.
          const needsCheck = await messagesNeedingPolicyCheck(db, claimed).catch(
            () => new Set(claimed.map((m) => m.id)),
          );
          // Templates see the contact's current properties (explicit props win over them at render).
          const contacts = await contactPropertiesByUserId(
            db,
            claimed.flatMap((m) => (m.userId === null ? [] : [m.userId])),
          );
          for (const message of claimed) {
            inFlight++;
            unsettled++;
            let released = false;
            const release = () => {
              if (released) return;
              released = true;
              inFlight--;
              if (concurrency - inFlight >= claimThreshold) signal();
            };
            const properties = message.userId === null ? undefined : contacts.get(message.userId);
            void run(message, needsCheck.has(message.id), properties, release).finally(() => {
              release();
              unsettled--;
              if (unsettled === 0) for (const d of drained.splice(0)) d();
              // Idle again (a retry may now be scheduled: recompute the sleep) or back under the bound.
              if (unsettled === 0 || unsettled === maxUnsettled - 1) signal();
            });
          }
          if (claimed.length === free) continue;
          if (claimed.length === 0 && inFlight === 0) {
            const due = await nextDueInMs(db, clock.now());
            if (due !== null) sleepMs = Math.min(sleepMs, Math.max(10, due));
          }
        }
      } catch (error) {
        // An outage is logged once by the database itself; the loop just keeps polling until it is back.
        if (!isConnectionError(error)) log.error({ err: error }, "email delivery loop error");
      }
      if (stopping) break;
      // Wake for the next expired-lease sweep too: a dead worker's mail is not left waiting for a notification.
      sleepMs = Math.min(sleepMs, Math.max(10, nextReleaseAt - Date.now()));
      await wake.wait(sleepMs);
    }
  };
  const looping = loop();
  // Heartbeat: a send slowed by a busy provider or database must not outlive its lease, or another worker would
  // retake it and (for Postmark and SMTP, which have no idempotency key) send it twice.
  const heartbeat = setInterval(
    () => {
      if (unsettled === 0) return;
      extendLeases(db, { owner, leaseMs, now: clock.now() }).catch((error: unknown) => {
        if (!isConnectionError(error)) log.warn({ err: error }, "extending email leases failed");
      });
    },
    Math.max(200, Math.floor(leaseMs / 3)),
  );
  heartbeat.unref();
  // Studio's email counters: the deltas the triggers append are folded into the totals, so reads stay small.
  const folding = setInterval(() => {
    foldEmailCounters(db).catch((error: unknown) => {
      if (!isConnectionError(error)) log.warn({ err: error }, "folding email counters failed");
    });
  }, 5_000);
  folding.unref();

  return {
    owner,
    stats: () => ({ ...stats }),
    async stop(graceMs) {
      stopping = true;
      signal();
      await looping;
      if (unsettled > 0) {
        await Promise.race([
          new Promise<void>((resolve) => drained.push(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      clearInterval(heartbeat);
      clearInterval(folding);
      await listener.close();
      await provider.close?.();
    },
  };
}
