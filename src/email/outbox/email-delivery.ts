import { randomBytes } from "node:crypto";
import os from "node:os";
import type { Config } from "../../config.js";
import { contactPropertiesByUserId } from "../../contacts/contact-store.js";
import { type Database, isConnectionError } from "../../db/database.js";
import { startListenConnection } from "../../db/listen-connection.js";
import { isHogsendError } from "../../errors.js";
import type { Logger } from "../../lib/logger.js";
import type { EmailProvider } from "../providers/email-provider.js";
import { checkDeliverability } from "../suppression/check-deliverability.js";
import { createTemplateRenderer } from "../templates/render-template.js";
import type { TemplateRegistry } from "../templates/template-registry.js";
import { composeEmail } from "./compose-email.js";
import {
  type ClaimedMessage,
  claimMessages,
  type DeliveryOutcome,
  extendLeases,
  nextDueInMs,
  recordOutcomes,
  releaseExpiredLeases,
} from "./message-store.js";
import { messagesNeedingPolicyCheck } from "./policy-prefilter.js";
import { createRateLimiter } from "./rate-limiter.js";
import { retryDelayMs } from "./retry-delay.js";

export const MESSAGES_CHANNEL = "hogsend_messages";
const MAX_RETRY_DELAY_MS = 3_600_000;

export interface EmailDeliveryOptions {
  db: Database;
  config: Config;
  logger: Logger;
  provider: EmailProvider;
  /** The project's templates (from its config), which the messages name. */
  templates: TemplateRegistry;
  /** Overrides config.worker.leaseMs (tests use short leases). */
  leaseMs?: number;
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
  let wake: (() => void) | undefined;
  let nextReleaseAt = 0;
  const drained: Array<() => void> = [];

  // A signal while the loop is busy (not sleeping) is remembered, so the next sleep is skipped: no lost wake-up.
  let signalled = false;
  const signal = () => {
    const w = wake;
    wake = undefined;
    if (w) w();
    else signalled = true;
  };

  const listener = startListenConnection({
    url: db.url,
    channels: [MESSAGES_CHANNEL],
    logger: log,
    applicationName: "hogsend-email-listen",
    onNotification: signal,
    // Messages queued while LISTEN was down sent notifications nobody heard: look now.
    onReconnect: signal,
  });

  // Outcome batching: one writer at a time, everything that arrived meanwhile goes in the next statement.
  let pending: Array<{ outcome: DeliveryOutcome; done: () => void }> = [];
  let writing = false;
  const flush = async () => {
    if (writing) return;
    writing = true;
    try {
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        await recordOutcomesPatiently(batch.map((b) => b.outcome));
        for (const b of batch) b.done();
      }
    } finally {
      writing = false;
    }
  };
  // An outcome is kept and retried through a database outage for as long as our lease could still hold: a
  // dropped "sent" would make the message go out again once the lease expires (twice, for Postmark and SMTP).
  // The write is fenced on our lease, so a late write after a takeover changes nothing.
  const recordOutcomesPatiently = async (outcomes: DeliveryOutcome[]) => {
    const giveUpAt = Date.now() + leaseMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        await recordOutcomes(db, owner, outcomes);
        return;
      } catch (error) {
        if (!isConnectionError(error) || Date.now() + delay >= giveUpAt) {
          // The lease will expire and another attempt will be made; with Resend the idempotency key makes it safe.
          log.error({ err: error, count: outcomes.length }, "recording email outcomes failed");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
  const record = (outcome: DeliveryOutcome) =>
    new Promise<void>((resolve) => {
      pending.push({ outcome, done: resolve });
      void flush();
    });

  const deliver = async (
    message: ClaimedMessage,
    needsPolicyCheck: boolean,
    contactProperties: Record<string, unknown> | undefined,
  ): Promise<DeliveryOutcome> => {
    const check = needsPolicyCheck
      ? await checkDeliverability(db, {
          email: message.toEmail,
          userId: message.userId,
          category: message.category,
        })
      : { ok: true as const };
    if (!check.ok) {
      const status = check.reason.startsWith("suppressed") ? "suppressed" : "skipped";
      return { kind: "refused", id: message.id, status, reason: check.reason };
    }
    let email: Awaited<ReturnType<typeof composeEmail>>;
    try {
      email = await composeEmail(
        {
          messageId: message.id,
          to: message.toEmail,
          from: message.fromEmail ?? config.email.from,
          userId: message.userId,
          template: message.template,
          subject: message.subject,
          props: message.props,
          contactProperties: contactProperties ?? {},
        },
        { config, render },
      );
    } catch (error) {
      // Unknown template or props it rejects: the same input will fail the same way every time.
      if (isHogsendError(error)) return { kind: "failed", id: message.id, error: error.message };
      throw error;
    }
    await limiter.take();
    let result: Awaited<ReturnType<EmailProvider["send"]>>;
    try {
      result = await provider.send(email);
    } catch (error) {
      result = {
        ok: false,
        retryable: true,
        reason: `provider threw: ${(error as Error)?.message ?? error}`,
      };
    }
    if (result.ok) {
      return {
        kind: "sent",
        id: message.id,
        provider: provider.name,
        providerMessageId: result.providerMessageId,
        headers: email.headers,
        html: email.html,
        text: email.text,
      };
    }
    if (!result.retryable || message.attempts >= settings.maxAttempts) {
      const suffix = result.retryable ? ` (gave up after ${message.attempts} attempts)` : "";
      return { kind: "failed", id: message.id, error: `${result.reason}${suffix}` };
    }
    const delayMs = Math.min(
      MAX_RETRY_DELAY_MS,
      result.retryAfterMs ?? retryDelayMs(message.attempts, settings.retryBaseMs),
    );
    return { kind: "retry", id: message.id, delayMs, error: result.reason };
  };

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
      outcome = await deliver(message, needsPolicyCheck, contactProperties);
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
      signalled = false;
      let sleepMs = config.worker.pollIntervalMs;
      try {
        if (Date.now() >= nextReleaseAt) {
          nextReleaseAt = Date.now() + Math.min(5_000, Math.max(250, leaseMs / 4));
          const released = await releaseExpiredLeases(db);
          if (released > 0) log.warn({ released }, "retaking emails whose worker stopped mid-send");
        }
        // Bounded: sends whose outcome is not yet written never exceed twice the concurrency.
        const free = Math.min(concurrency - inFlight, maxUnsettled - unsettled);
        if (free >= claimThreshold || (free > 0 && inFlight === 0)) {
          const claimed = await claimMessages(db, { owner, leaseMs, limit: free });
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
            const due = await nextDueInMs(db);
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
      if (signalled) {
        signalled = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sleepMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  const looping = loop();
  // Heartbeat: a send slowed by a busy provider or database must not outlive its lease, or another worker would
  // retake it and (for Postmark and SMTP, which have no idempotency key) send it twice.
  const heartbeat = setInterval(
    () => {
      if (unsettled === 0) return;
      extendLeases(db, { owner, leaseMs }).catch((error: unknown) => {
        if (!isConnectionError(error)) log.warn({ err: error }, "extending email leases failed");
      });
    },
    Math.max(200, Math.floor(leaseMs / 3)),
  );
  heartbeat.unref();

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
      await listener.close();
      await provider.close?.();
    },
  };
}
