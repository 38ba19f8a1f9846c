import { createHash } from "node:crypto";
import type { Config } from "../../config.js";
import type { Database } from "../../db/database.js";
import type { Clock } from "../../lib/clock.js";
import { findMessageRecipient } from "../outbox/message-store.js";
import type { EmailOutcome } from "./email-outcome.js";
import { recordEmailOutcome } from "./record-email-outcome.js";

export interface TrackingRecorderOptions {
  softBounce: Config["email"]["softBounce"];
  clock: Clock;
}

export interface TrackingHit {
  messageId: string;
  userAgent: string | undefined;
}

/**
 * Opens and clicks as message events. The event store gets the first open of a message and the first click of
 * each link (`email.opened`, `email.clicked`), which is what journeys branch on; a message that does not exist
 * (deleted by an erase) records nothing.
 */
export function createTrackingRecorder(db: Database, options: TrackingRecorderOptions) {
  async function record(
    hit: TrackingHit,
    type: "opened" | "clicked",
    eventKey: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      const to = await findMessageRecipient(tx, hit.messageId);
      if (!to) return;
      const outcome: EmailOutcome = {
        type,
        email: to,
        occurredAt: options.clock.now(),
        hogsendMessageId: hit.messageId,
        details: { ...details, ...(hit.userAgent ? { userAgent: hit.userAgent.slice(0, 300) } : {}) },
      };
      await recordEmailOutcome(tx, outcome, {
        source: "tracking",
        eventKey,
        eventSource: "system",
        softBounce: options.softBounce,
      });
    });
  }
  return {
    recordOpen: (hit: TrackingHit) => record(hit, "opened", `tracking:open:${hit.messageId}`, {}),
    recordClick: (hit: TrackingHit, url: string) => {
      const linkHash = createHash("sha256").update(url).digest("hex").slice(0, 16);
      return record(hit, "clicked", `tracking:click:${hit.messageId}:${linkHash}`, { link: url });
    },
  };
}
