import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database } from "../db/database.js";
import { setEnabledOverride } from "./journey-override-store.js";

/**
 * Sets or clears (null) a journey's runtime enable/disable override, audited in the same transaction. The
 * trigger on journey_enabled_overrides notifies every worker, whose routers re-read the overrides before their
 * next batch. Only enrollment is affected: runs already in flight carry on.
 */
export async function setJourneyEnabled(
  db: Database,
  journeyId: string,
  enabled: boolean | null,
  now: Date,
  audit: AuditContext,
): Promise<{ before: boolean | null; after: boolean | null }> {
  return db.transaction(async (tx) => {
    const change = await setEnabledOverride(tx, journeyId, enabled, now);
    await recordAudit(tx, audit, {
      action:
        enabled === null ? "journey.override_cleared" : enabled ? "journey.enabled" : "journey.disabled",
      targetType: "journey",
      targetId: journeyId,
      before: { enabledOverride: change.before },
      after: { enabledOverride: change.after },
    });
    return change;
  });
}
