import type { Queryable } from "../../db/database.js";
import { addSuppression, type SuppressionReason } from "./suppression-store.js";

export interface SoftBouncePolicy {
  /** Soft bounces within `windowMs` that suppress the address. */
  threshold: number;
  windowMs: number;
}

/**
 * Decides whether a bounce or complaint (already written to message_events) suppresses its address: a hard
 * bounce or a complaint at once, soft bounces once `threshold` of them fall within the window ending at `at`.
 * Call inside the transaction that wrote the message event; an advisory lock per address serialises concurrent
 * webhooks for one address so two soft bounces arriving together are both counted.
 */
export async function applyBouncePolicy(
  q: Queryable,
  input: {
    email: string;
    type: "bounced" | "complained";
    bounceKind?: "hard" | "soft" | undefined;
    source: string;
    at: Date;
    policy: SoftBouncePolicy;
    note?: string | undefined;
  },
): Promise<SuppressionReason | undefined> {
  const email = input.email.toLowerCase();
  let reason: SuppressionReason | undefined;
  if (input.type === "complained") reason = "complaint";
  else if (input.bounceKind === "hard") reason = "hard_bounce";
  else {
    await q.query("SELECT pg_advisory_xact_lock(hashtext('hogsend:soft-bounce:' || $1))", [email]);
    const result = await q.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM message_events
        WHERE email = $1 AND type = 'bounced' AND bounce_kind = 'soft'
          AND occurred_at > $2::timestamptz - make_interval(secs => $3::double precision / 1000)
          AND occurred_at <= $2::timestamptz`,
      [email, input.at.toISOString(), input.policy.windowMs],
    );
    if ((result.rows[0]?.count ?? 0) >= input.policy.threshold) reason = "soft_bounce";
  }
  if (reason === undefined) return undefined;
  await addSuppression(q, { email, reason, source: input.source, note: input.note });
  return reason;
}
