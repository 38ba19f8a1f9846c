import { userIdsByEmails } from "../contacts/contact-store.js";
import type { Database, Queryable } from "../db/database.js";
import { insertEvents } from "../events/event-store.js";
import { resolveAliases } from "../events/user-alias-store.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { markReceiptsResolved, takeUnresolvedReceipts } from "./source-receipt-store.js";

const PAGE = 500;

/**
 * Routes the held events of unresolved receipts whose user is now known (the lookup alias was merged, or a contact
 * carries the lookup email), in the caller's transaction: each event is appended under the user with its original
 * messageId, so a resolution that runs twice stores nothing twice. Returns how many receipts resolved.
 */
export async function resolvePendingReceipts(
  q: Queryable,
  at: Date,
  options: {
    onlyIds?: readonly number[];
    /** Only receipts waiting for these emails or aliases (what a delivery just made known). */
    keys?: { emails: readonly string[]; aliases: readonly string[] };
    /** lower(email) → user from the delivery in hand: its contact is only upserted when it is routed. */
    knownEmails?: ReadonlyMap<string, string>;
  } = {},
): Promise<number> {
  let resolved = 0;
  // With onlyIds, start just before the first of them (they are this call's own receipts, freshly inserted).
  for (let after = options.onlyIds ? Math.min(...options.onlyIds) - 1 : 0; ; ) {
    const page = await takeUnresolvedReceipts(q, after, PAGE, options.keys);
    const candidates = options.onlyIds ? page.filter((r) => options.onlyIds?.includes(r.id)) : page;
    const aliases = await resolveAliases(
      q,
      candidates.flatMap((r) => (r.lookupAlias ? [r.lookupAlias] : [])),
    );
    const emails = await userIdsByEmails(
      q,
      candidates.flatMap((r) => (r.lookupEmail ? [r.lookupEmail] : [])),
    );
    const done: Array<{ id: number; userId: string }> = [];
    const events = [];
    for (const receipt of candidates) {
      const userId =
        (receipt.lookupAlias ? aliases.get(receipt.lookupAlias) : undefined) ??
        (receipt.lookupEmail
          ? (emails.get(receipt.lookupEmail) ?? options.knownEmails?.get(receipt.lookupEmail))
          : undefined);
      if (userId === undefined) continue;
      done.push({ id: receipt.id, userId });
      for (const event of receipt.pending) {
        events.push({
          messageId: event.messageId,
          event: event.event,
          userId,
          userEmail: event.userEmail,
          properties: event.properties,
          occurredAt: new Date(event.occurredAt),
          source: "webhook" as const,
        });
      }
    }
    await insertEvents(q, events);
    await markReceiptsResolved(q, done, at);
    resolved += done.length;
    const last = page[page.length - 1];
    if (page.length < PAGE || last === undefined || options.onlyIds) return resolved;
    after = last.id;
  }
}

/**
 * The worker's sweep: contacts and aliases also appear through `POST /v1/ingest`, imports and the admin API, so
 * unresolved receipts are checked every `intervalMs` as well as after each source delivery.
 */
export function startReceiptResolution(deps: {
  db: Database;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= deps.db
      .transaction((tx) => resolvePendingReceipts(tx, deps.clock.now()))
      .then(
        (count) => {
          if (count > 0) deps.logger.info({ count }, "unresolved source receipts resolved and routed");
        },
        (error: unknown) => deps.logger.warn({ err: error }, "resolving source receipts failed; will retry"),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
