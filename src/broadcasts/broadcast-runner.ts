import { contactsForSend } from "../contacts/contact-store.js";
import { CONTACT_TIME_ZONE_PROPERTY } from "../contacts/contact-time-zone.js";
import type { Database } from "../db/database.js";
import { enqueueEmailBatch } from "../email/send-email-batch.js";
import type { TemplateRegistry } from "../email/templates/template-registry.js";
import type { SendWindow } from "../journeys/journey-types.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { isValidTimeZone, nextWindowOpening } from "../lib/zoned-time.js";
import { addStatDeltas, foldBroadcastStats } from "./broadcast-stats-store.js";
import {
  advanceBroadcast,
  type ClaimedBroadcast,
  claimDueBroadcast,
  holdBroadcastForChunk,
  releaseBroadcast,
  setSendCursor,
} from "./broadcast-store.js";
import {
  broadcastMessageKey,
  dueWaitingRecipients,
  materializeRecipientPage,
  nextWaitingAt,
  pendingRecipients,
  type RecipientOutcome,
  recordRecipientOutcomes,
} from "./recipient-store.js";

/** Recipient skip reasons decided by the loop (the email path adds `frequency_cap`, `invalid_props`). */
export const NO_ADDRESS_REASON = "no_address";
export const UNSUBSCRIBED_REASON = "unsubscribed";

export interface BroadcastRunnerOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  templates: TemplateRegistry;
  /** This worker's id: the lease owner. */
  owner: string;
  /** Enqueues per second of a broadcast that names no rate (HOGSEND_BROADCAST_RATE_PER_SECOND). */
  defaultRatePerSecond: number;
  /** HOGSEND_DEFAULT_TIMEZONE: send windows for contacts without a valid `timezone`. */
  defaultTimeZone: string;
  leaseMs: number;
  pollIntervalMs: number;
  /** Contacts scanned per materialisation statement (default 10,000). */
  pageSize?: number;
  /** Recipients enqueued per transaction, at most (default 500; a low rate makes chunks smaller). */
  chunkSize?: number;
}

/**
 * The worker's broadcast loop. It takes one due broadcast at a time by a lease (any number of workers: SKIP
 * LOCKED, and a lapsed lease is taken over), then
 *   1. materialises its recipients page by page (one INSERT … SELECT … ON CONFLICT DO NOTHING per keyset page
 *      of contacts, moving the cursor in the same statement), so memory is one page and a crash redoes one page;
 *   2. enqueues them chunk by chunk through the email path (`enqueueEmailBatch`: props, subject, frequency cap,
 *      then the outbox, with the idempotency key `hogsend:broadcast:<id>:<user>`), each chunk one transaction
 *      that also records every recipient's outcome and moves the send cursor — so each recipient gets at most one
 *      message across crashes and re-runs; a recipient outside the broadcast's send window waits (`waiting`,
 *      `not_before`) and is enqueued when it opens;
 *   3. paces the chunks to the broadcast's rate, and stops at the next chunk after a cancel.
 */
export function createBroadcastRunner(options: BroadcastRunnerOptions) {
  const { db, clock, owner } = options;
  const pageSize = options.pageSize ?? 10_000;
  const leaseUntil = () => new Date(clock.now().getTime() + options.leaseMs);

  async function materialize(b: ClaimedBroadcast): Promise<boolean> {
    let after = b.materializeCursor;
    for (;;) {
      const page = await materializeRecipientPage(db, {
        broadcastId: b.id,
        owner,
        audience: b.audience,
        category: b.category,
        after,
        pageSize,
        now: b.startedAt ?? clock.now(),
        leaseUntil: leaseUntil(),
      });
      if (!page.fenced) return false;
      if (page.scanned < pageSize || page.last === null) break;
      after = page.last;
      if (stopping) return false;
    }
    return advanceBroadcast(db, {
      id: b.id,
      owner,
      from: "materializing",
      to: "sending",
      now: clock.now(),
      leaseUntil: leaseUntil(),
    });
  }

  /** One chunk in one transaction; the number of recipients handled, or null when the broadcast is no longer ours. */
  async function sendChunk(b: ClaimedBroadcast, phase: "pending" | "waiting", limit: number) {
    return db.transaction(async (tx) => {
      const held = await holdBroadcastForChunk(tx, {
        id: b.id,
        owner,
        status: "sending",
        leaseUntil: leaseUntil(),
      });
      if (!held) return null;
      const now = clock.now();
      const userIds =
        phase === "pending"
          ? await pendingRecipients(tx, { broadcastId: b.id, after: held.sendCursor, limit })
          : await dueWaitingRecipients(tx, { broadcastId: b.id, now, limit });
      if (userIds.length === 0) return 0;
      const contacts = await contactsForSend(tx, userIds);
      const outcomes: RecipientOutcome[] = [];
      const toSend: Parameters<typeof enqueueEmailBatch>[3][number][] = [];
      for (const userId of userIds) {
        const contact = contacts.get(userId);
        if (!contact?.email) {
          outcomes.push(skip(userId, NO_ADDRESS_REASON));
        } else if (contact.unsubscribed) {
          outcomes.push(skip(userId, UNSUBSCRIBED_REASON));
        } else {
          const opensAt = held.sendWindow ? windowOpening(held.sendWindow, contact.properties, now) : null;
          if (opensAt) {
            outcomes.push({ userId, status: "waiting", reason: null, messageId: null, notBefore: opensAt });
          } else {
            toSend.push({
              userId,
              to: contact.email,
              properties: contact.properties,
              idempotencyKey: broadcastMessageKey(b.id, userId),
            });
          }
        }
      }
      const sent = await enqueueEmailBatch(
        tx,
        options.templates,
        {
          template: held.template,
          subject: held.subject ?? undefined,
          props: held.props,
          category: held.category,
        },
        toSend,
      );
      for (const outcome of sent) {
        outcomes.push(
          outcome.status === "queued"
            ? {
                userId: outcome.userId,
                status: "queued",
                reason: null,
                messageId: outcome.messageId,
                notBefore: null,
              }
            : {
                userId: outcome.userId,
                status: "skipped",
                reason: outcome.reason,
                messageId: outcome.messageId,
                notBefore: null,
              },
        );
      }
      await recordRecipientOutcomes(tx, b.id, outcomes);
      if (phase === "pending") await setSendCursor(tx, b.id, userIds[userIds.length - 1] as string);
      const count = (status: string) => outcomes.filter((o) => o.status === status).length;
      const waiting = count("waiting");
      await addStatDeltas(tx, b.id, {
        queued: count("queued"),
        skipped: count("skipped"),
        // A waiting recipient handled again leaves `waiting` (and may wait once more).
        waiting: phase === "waiting" ? waiting - userIds.length : waiting,
      });
      return userIds.length;
    });
  }

  function windowOpening(window: SendWindow, properties: Record<string, unknown>, now: Date): Date | null {
    let zone = options.defaultTimeZone;
    if (window.timezone !== undefined && window.timezone !== "contact") zone = window.timezone;
    else {
      const own = properties[CONTACT_TIME_ZONE_PROPERTY];
      if (typeof own === "string" && isValidTimeZone(own)) zone = own;
    }
    return nextWindowOpening(now, window, zone);
  }

  async function send(b: ClaimedBroadcast): Promise<"done" | "lost" | Date> {
    const rate = b.ratePerSecond ?? options.defaultRatePerSecond;
    const chunk = Math.max(1, Math.min(options.chunkSize ?? 500, rate));
    const started = Date.now();
    let handled = 0;
    for (const phase of ["pending", "waiting"] as const) {
      for (;;) {
        if (stopping) return "lost";
        const n = await sendChunk(b, phase, chunk);
        if (n === null) return "lost";
        if (n === 0) break;
        handled += n;
        // Paced on real time: the rate is a physical limit on the provider, whatever clock the engine runs on.
        const ahead = (handled / rate) * 1000 - (Date.now() - started);
        if (ahead > 0) await sleep(ahead);
      }
    }
    const next = await nextWaitingAt(db, b.id);
    if (next !== null) return next;
    const done = await advanceBroadcast(db, {
      id: b.id,
      owner,
      from: "sending",
      to: "sent",
      now: clock.now(),
      leaseUntil: leaseUntil(),
    });
    return done ? "done" : "lost";
  }

  /** Works one due broadcast as far as it can go now; false when nothing was due. */
  async function runOnce(): Promise<boolean> {
    const claimed = await claimDueBroadcast(db, { owner, now: clock.now(), leaseUntil: leaseUntil() });
    if (!claimed) return false;
    const log = options.logger.child({ broadcast: claimed.id });
    if (claimed.status === "materializing") {
      log.info("materialising broadcast recipients");
      if (!(await materialize(claimed))) {
        await releaseBroadcast(db, { id: claimed.id, owner, dueAt: clock.now() });
        return true;
      }
    }
    const outcome = await send({ ...claimed, status: "sending" });
    if (outcome instanceof Date) {
      await releaseBroadcast(db, { id: claimed.id, owner, dueAt: outcome });
    } else if (outcome === "lost") {
      await releaseBroadcast(db, { id: claimed.id, owner, dueAt: clock.now() });
    } else {
      log.info("broadcast enqueued to every recipient");
    }
    return true;
  }

  let stopping = false;
  return {
    runOnce,
    fold: () => foldBroadcastStats(db),
    stop() {
      stopping = true;
    },
  };
}

function skip(userId: string, reason: string): RecipientOutcome {
  return { userId, status: "skipped", reason, messageId: null, notBefore: null };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the loop in a worker; `stop` finishes (and releases) the chunk in hand. */
export function startBroadcastRunner(options: BroadcastRunnerOptions): { stop(): Promise<void> } {
  const runner = createBroadcastRunner(options);
  let stopped = false;
  let wake: (() => void) | undefined;
  let lastFold = 0;
  const loop = (async () => {
    while (!stopped) {
      let worked = false;
      try {
        if (Date.now() - lastFold > 5_000) {
          lastFold = Date.now();
          await runner.fold();
        }
        worked = await runner.runOnce();
      } catch (error) {
        options.logger.warn({ err: error }, "broadcast loop failed; retrying");
      }
      if (!worked && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      runner.stop();
      wake?.();
      await loop;
    },
  };
}
