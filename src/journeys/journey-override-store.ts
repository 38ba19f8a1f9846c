import type { Queryable } from "../db/database.js";

/** Notified (by a trigger) whenever an override changes; every router re-reads the overrides then. */
export const JOURNEY_OVERRIDES_CHANNEL = "hogsend_journey_overrides";

/** Every runtime enable/disable override (journey_enabled_overrides), by journey id. */
export async function loadEnabledOverrides(q: Queryable): Promise<Map<string, boolean>> {
  const result = await q.query<{ journey_id: string; enabled: boolean }>(
    "SELECT journey_id, enabled FROM journey_enabled_overrides",
  );
  return new Map(result.rows.map((row) => [row.journey_id, row.enabled]));
}

/**
 * Sets (true/false) or clears (null) a journey's override; returns the override before and after, so the caller
 * can audit the change in the same transaction.
 */
export async function setEnabledOverride(
  q: Queryable,
  journeyId: string,
  enabled: boolean | null,
  now: Date,
): Promise<{ before: boolean | null; after: boolean | null }> {
  const previous = await q.query<{ enabled: boolean }>(
    "SELECT enabled FROM journey_enabled_overrides WHERE journey_id = $1 FOR UPDATE",
    [journeyId],
  );
  const before = previous.rows[0]?.enabled ?? null;
  if (enabled === null) {
    await q.query("DELETE FROM journey_enabled_overrides WHERE journey_id = $1", [journeyId]);
  } else {
    await q.query(
      `INSERT INTO journey_enabled_overrides (journey_id, enabled, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (journey_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
      [journeyId, enabled, now.toISOString()],
    );
  }
  return { before, after: enabled };
}

/** The effective switch: the override when there is one, else the code's `meta.enabled`. */
export function effectiveEnabled(metaEnabled: boolean, override: boolean | undefined | null): boolean {
  return override ?? metaEnabled;
}
