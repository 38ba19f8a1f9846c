import type { BroadcastStatsRow } from "../lib/broadcast-queries";
import { formatNumber, formatPercent } from "../lib/format";
import { Stat, type Tone } from "../ui/card";

// The API declares the counters as a record (built from the server's metric list): every one is there.
type Metric =
  | "recipients"
  | "queued"
  | "skipped"
  | "waiting"
  | "sent"
  | "failed"
  | "suppressed"
  | "delivered"
  | "opened"
  | "clicked"
  | "bounced"
  | "complained"
  | "unsubscribed";

// What the outbox and the provider said, as a share of what was sent; the enqueue decisions stand alone.
const OUTCOMES: Array<{ metric: Metric; label: string; tone?: Tone }> = [
  { metric: "sent", label: "Sent" },
  { metric: "delivered", label: "Delivered", tone: "good" },
  { metric: "opened", label: "Opened", tone: "good" },
  { metric: "clicked", label: "Clicked", tone: "good" },
  { metric: "bounced", label: "Bounced", tone: "bad" },
  { metric: "complained", label: "Complained", tone: "bad" },
  { metric: "unsubscribed", label: "Unsubscribed", tone: "warn" },
];
const ENQUEUED: Array<{ metric: Metric; label: string }> = [
  { metric: "queued", label: "queued" },
  { metric: "waiting", label: "waiting for the send window" },
  { metric: "skipped", label: "skipped" },
  { metric: "suppressed", label: "suppressed at delivery" },
  { metric: "failed", label: "failed" },
];

/** A broadcast's counters: recipients, what was sent and what became of it, and what enqueueing decided. */
export function BroadcastStats({ stats }: { stats: BroadcastStatsRow }) {
  const n = (metric: Metric) => stats[metric] ?? 0;
  return (
    <div className="flex flex-col gap-3 p-4" data-testid="broadcast-stats">
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 xl:grid-cols-8">
        <Stat
          label="Recipients"
          value={<span data-metric="recipients">{formatNumber(n("recipients"))}</span>}
          hint="materialised"
        />
        {OUTCOMES.map(({ metric, label, tone }) => (
          <Stat
            key={metric}
            label={label}
            value={<span data-metric={metric}>{formatNumber(n(metric))}</span>}
            {...(tone && n(metric) > 0 ? { tone } : {})}
            hint={
              metric === "sent"
                ? `of ${formatNumber(n("recipients"))}`
                : n("sent") > 0
                  ? formatPercent(n(metric) / n("sent"), 1)
                  : "—"
            }
          />
        ))}
      </div>
      <p className="text-xs text-zinc-500">
        {ENQUEUED.map(({ metric, label }, i) => (
          <span key={metric}>
            {i > 0 ? " · " : ""}
            <span className="tabular-nums font-medium text-zinc-700">{formatNumber(n(metric))}</span> {label}
          </span>
        ))}
      </p>
    </div>
  );
}
