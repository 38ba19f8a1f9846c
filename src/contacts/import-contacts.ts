import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database } from "../db/database.js";
import type { ImportContact } from "./contact-input.js";
import type { ImportItem } from "./contact-row-parsers.js";
import { TOMBSTONED_UNSUBSCRIBE } from "./contact-store.js";

export interface ImportSummary {
  /** Rows read (good and bad). */
  rows: number;
  imported: number;
  failed: number;
  /** The first MAX_REPORTED bad rows by line number; `failed` counts them all. */
  errors: Array<{ line: number; reason: string }>;
}

const MAX_REPORTED = 1000;

/**
 * Upserts contacts from a stream of parsed rows in batches of `batchSize`, one multi-row statement per batch,
 * so memory stays constant whatever the input size. Bad rows are counted and reported by line and never stop
 * the good ones. Properties merge into existing ones; an email replaces the stored one; `subscribed` sets the
 * global subscription (omitted: unchanged, except that a contact erased earlier comes back unsubscribed).
 */
export async function importContacts(
  db: Database,
  items: AsyncIterable<ImportItem>,
  options: { batchSize?: number; onProgress?: (summary: ImportSummary) => void; audit: AuditContext },
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 1000;
  const summary: ImportSummary = { rows: 0, imported: 0, failed: 0, errors: [] };
  let batch: ImportContact[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const contacts = batch;
    batch = [];
    await upsertContactBatch(db, contacts);
    summary.imported += contacts.length;
    options.onProgress?.(summary);
  };
  for await (const item of items) {
    summary.rows++;
    if ("error" in item) {
      summary.failed++;
      if (summary.errors.length < MAX_REPORTED) summary.errors.push({ line: item.line, reason: item.error });
      continue;
    }
    batch.push(item.contact);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  // One entry for the whole import, after its last batch: a streamed import commits batch by batch (constant
  // memory), so it cannot share one transaction with its audit entry; the counts say what it changed.
  await recordAudit(db, options.audit, {
    action: "contacts.imported",
    targetType: "contacts",
    targetId: null,
    after: { rows: summary.rows, imported: summary.imported, failed: summary.failed },
  });
  return summary;
}

/** One statement per batch; rows for the same user inside a batch are folded first (ON CONFLICT needs that). */
export async function upsertContactBatch(db: Database, contacts: readonly ImportContact[]): Promise<void> {
  const byUser = new Map<string, ImportContact>();
  for (const contact of contacts) {
    const previous = byUser.get(contact.userId);
    byUser.set(
      contact.userId,
      previous
        ? {
            userId: contact.userId,
            email: contact.email ?? previous.email,
            properties: { ...previous.properties, ...contact.properties },
            subscribed: contact.subscribed ?? previous.subscribed,
          }
        : contact,
    );
  }
  const rows = [...byUser.values()];
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO contacts AS c (user_id, email, properties, unsubscribed_at)
       SELECT t.user_id, t.email, t.properties,
              CASE WHEN t.subscribed = false THEN now() WHEN t.subscribed IS NULL THEN ${TOMBSTONED_UNSUBSCRIBE} END
         FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::boolean[]) AS t(user_id, email, properties, subscribed)
       ON CONFLICT (user_id) DO UPDATE SET
         email = COALESCE(EXCLUDED.email, c.email),
         properties = c.properties || EXCLUDED.properties,
         unsubscribed_at = CASE WHEN EXCLUDED.unsubscribed_at IS NOT NULL
                                THEN COALESCE(c.unsubscribed_at, EXCLUDED.unsubscribed_at)
                                ELSE c.unsubscribed_at END,
         updated_at = now()`,
      [
        rows.map((r) => r.userId),
        rows.map((r) => r.email),
        rows.map((r) => JSON.stringify(r.properties)),
        rows.map((r) => r.subscribed ?? null),
      ],
    );
    const resubscribe = rows.filter((r) => r.subscribed === true).map((r) => r.userId);
    if (resubscribe.length > 0) {
      await tx.query(
        "UPDATE contacts SET unsubscribed_at = NULL WHERE user_id = ANY($1::text[]) AND unsubscribed_at IS NOT NULL",
        [resubscribe],
      );
    }
  });
}
