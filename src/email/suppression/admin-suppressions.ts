import type { AuditContext } from "../../audit/audit-entry.js";
import { recordAudit } from "../../audit/audit-store.js";
import type { Database } from "../../db/database.js";
import {
  addSuppression,
  getSuppression,
  removeSuppression,
  type Suppression,
  type SuppressionReason,
} from "./suppression-store.js";

/**
 * An admin suppresses an address (audited). An address already suppressed keeps its first reason and nothing is
 * audited, since nothing changed. Returns the suppression and whether this call created it.
 */
export async function suppressAddress(
  db: Database,
  input: { email: string; reason: SuppressionReason; note?: string | null | undefined },
  audit: AuditContext,
): Promise<{ suppression: Suppression; created: boolean }> {
  return db.transaction(async (tx) => {
    const created = await addSuppression(tx, { ...input, source: "admin" });
    const suppression = await getSuppression(tx, input.email);
    if (!suppression) throw new Error(`suppression of ${input.email} vanished inside its own transaction`);
    if (created) {
      await recordAudit(tx, audit, {
        action: "suppression.added",
        targetType: "suppression",
        targetId: suppression.email,
        after: { reason: suppression.reason, note: suppression.note },
      });
    }
    return { suppression, created };
  });
}

/** An admin lifts a suppression (audited with what it was). False when the address was not suppressed. */
export async function unsuppressAddress(db: Database, email: string, audit: AuditContext): Promise<boolean> {
  return db.transaction(async (tx) => {
    const before = await getSuppression(tx, email);
    if (!before || !(await removeSuppression(tx, email))) return false;
    await recordAudit(tx, audit, {
      action: "suppression.removed",
      targetType: "suppression",
      targetId: before.email,
      before: { reason: before.reason, source: before.source, note: before.note },
    });
    return true;
  });
}
