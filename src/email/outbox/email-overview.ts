import { countGlobalUnsubscribesSince } from "../../contacts/contact-store.js";
import type { Queryable } from "../../db/database.js";
import { countCategoryUnsubscribesSince } from "../unsubscribe/preference-store.js";
import { readEmailCounters } from "./email-counter-store.js";

/**
 * The mailbox-provider bands Studio shows rates against (Gmail's and Yahoo's 2024 sender rules: keep complaints
 * under 0.1 %, never reach 0.3 %; bounces past 2 % hurt, past 5 % get a sender blocked).
 */
export const RATE_BANDS = {
  complaint: { warn: 0.001, critical: 0.003 },
  bounce: { warn: 0.02, critical: 0.05 },
} as const;

export type Band = "ok" | "warn" | "critical";

export interface EmailOverview {
  sent: { last24h: number; last7d: number; last30d: number };
  /** Over 30 days; every rate is per message sent in the window (0 when nothing was sent). */
  rates: {
    delivered: number;
    bounce: { rate: number; band: Band; warn: number; critical: number };
    complaint: { rate: number; band: Band; warn: number; critical: number };
    unsubscribe: number;
  };
  counts30d: Record<string, number>;
  /** Sends per UTC day by category for the last 30 days (oldest first; '' = no category). */
  sendsPerDay: Array<{ day: string; category: string; sent: number }>;
}

const band = (rate: number, bands: { warn: number; critical: number }): Band =>
  rate >= bands.critical ? "critical" : rate >= bands.warn ? "warn" : "ok";

/** From the hourly email counters (never the messages table) plus two indexed unsubscribe counts. */
export async function emailOverview(q: Queryable, now: Date): Promise<EmailOverview> {
  const since30 = new Date(now.getTime() - 30 * 86_400_000);
  const rows = await readEmailCounters(q, since30);
  const since24 = now.getTime() - 86_400_000;
  const since7 = now.getTime() - 7 * 86_400_000;
  const sent = { last24h: 0, last7d: 0, last30d: 0 };
  const counts30d: Record<string, number> = {};
  const perDay = new Map<string, number>();
  for (const row of rows) {
    counts30d[row.metric] = (counts30d[row.metric] ?? 0) + row.count;
    if (row.metric !== "sent") continue;
    const at = row.hour.getTime();
    sent.last30d += row.count;
    // An hour bucket counts when it starts inside the window: exact to the hour.
    if (at >= since7 - 3_600_000 + 1) sent.last7d += row.count;
    if (at >= since24 - 3_600_000 + 1) sent.last24h += row.count;
    const key = `${row.hour.toISOString().slice(0, 10)}\u0000${row.category}`;
    perDay.set(key, (perDay.get(key) ?? 0) + row.count);
  }
  const unsubscribes =
    (await countGlobalUnsubscribesSince(q, since30)) + (await countCategoryUnsubscribesSince(q, since30));
  const ratio = (n: number) => (sent.last30d > 0 ? n / sent.last30d : 0);
  const bounce = ratio(counts30d.bounced ?? 0);
  const complaint = ratio(counts30d.complained ?? 0);
  return {
    sent,
    rates: {
      delivered: ratio(counts30d.delivered ?? 0),
      bounce: { rate: bounce, band: band(bounce, RATE_BANDS.bounce), ...RATE_BANDS.bounce },
      complaint: { rate: complaint, band: band(complaint, RATE_BANDS.complaint), ...RATE_BANDS.complaint },
      unsubscribe: ratio(unsubscribes),
    },
    counts30d,
    sendsPerDay: [...perDay]
      .map(([key, count]) => {
        const [day = "", category = ""] = key.split("\u0000");
        return { day, category, sent: count };
      })
      .sort((a, b) => a.day.localeCompare(b.day) || a.category.localeCompare(b.category)),
  };
}
