import type { Config } from "../../config.js";
import { contactPropertiesByUserId } from "../../contacts/contact-store.js";
import type { Database } from "../../db/database.js";
import type { Clock } from "../../lib/clock.js";
import type { EmailProvider } from "../providers/email-provider.js";
import { createTemplateRenderer } from "../templates/render-template.js";
import type { TemplateRegistry } from "../templates/template-registry.js";
import { deliverMessage } from "./deliver-message.js";
import { claimMessages, recordOutcomes } from "./message-store.js";
import { messagesNeedingPolicyCheck } from "./policy-prefilter.js";
import { createRateLimiter } from "./rate-limiter.js";

export interface DueEmailDelivery {
  /** Delivers every message due at the clock's now, one batch after another; returns how many were handled. */
  deliverDue(): Promise<number>;
}

/**
 * Delivery without a loop, for the journey test harness: the same claim, policy check, compose, provider call and
 * fenced outcome write as the worker's loop, run to completion when asked, on the harness's virtual clock (so a
 * retry is due when the clock is advanced past it, not when real time passes).
 */
export function createDueEmailDelivery(options: {
  db: Database;
  config: Config;
  templates: TemplateRegistry;
  provider: EmailProvider;
  clock: Clock;
  owner: string;
}): DueEmailDelivery {
  const { db, config, provider, clock, owner } = options;
  const deps = {
    db,
    config,
    render: createTemplateRenderer(options.templates),
    provider,
    limiter: createRateLimiter(0),
  };
  return {
    async deliverDue() {
      let handled = 0;
      for (;;) {
        const claimed = await claimMessages(db, { owner, leaseMs: 60_000, limit: 100, now: clock.now() });
        if (claimed.length === 0) return handled;
        const needsCheck = await messagesNeedingPolicyCheck(db, claimed);
        const contacts = await contactPropertiesByUserId(
          db,
          claimed.flatMap((m) => (m.userId ? [m.userId] : [])),
        );
        const outcomes = [];
        for (const message of claimed) {
          const properties = message.userId ? contacts.get(message.userId) : undefined;
          outcomes.push(await deliverMessage(message, needsCheck.has(message.id), properties, deps));
        }
        await recordOutcomes(db, owner, outcomes, clock.now());
        handled += claimed.length;
      }
    },
  };
}
