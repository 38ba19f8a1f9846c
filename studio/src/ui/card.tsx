import type { HTMLAttributes, ReactNode } from "react";
import { cn } from "./cn";

export function Card({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  return <div className={cn("rounded-lg border border-zinc-200 bg-white shadow-xs", className)} {...props} />;
}

export function CardHeader({
  title,
  actions,
  children,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="flex items-start justify-between gap-4 border-b border-zinc-100 px-4 py-3">
      <div>
        <h2 className="text-sm font-semibold text-zinc-900">{title}</h2>
        {children ? <div className="mt-0.5 text-xs text-zinc-500">{children}</div> : null}
      </div>
      {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
    </div>
  );
}

export function Stat({
  label,
  value,
  hint,
  tone,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  tone?: Tone;
}) {
  return (
    <Card className="px-4 py-3">
      <div className="text-xs font-medium text-zinc-500">{label}</div>
      <div
        className={cn("mt-1 text-2xl font-semibold tabular-nums", tone ? TONE_TEXT[tone] : "text-zinc-900")}
      >
        {value}
      </div>
      {hint ? <div className="mt-0.5 text-xs text-zinc-500">{hint}</div> : null}
    </Card>
  );
}

export type Tone = "neutral" | "good" | "warn" | "bad" | "info";

const TONE_TEXT: Record<Tone, string> = {
  neutral: "text-zinc-900",
  good: "text-emerald-700",
  warn: "text-amber-600",
  bad: "text-red-600",
  info: "text-sky-700",
};

const TONE_BADGE: Record<Tone, string> = {
  neutral: "bg-zinc-100 text-zinc-700 ring-zinc-200",
  good: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  warn: "bg-amber-50 text-amber-700 ring-amber-200",
  bad: "bg-red-50 text-red-700 ring-red-200",
  info: "bg-sky-50 text-sky-700 ring-sky-200",
};

export function Badge({ tone = "neutral", children }: { tone?: Tone; children: ReactNode }) {
  return (
    <span
      className={cn(
        "inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        TONE_BADGE[tone],
      )}
    >
      {children}
    </span>
  );
}

const STATUS_TONES: Record<string, Tone> = {
  draft: "neutral",
  scheduled: "info",
  materializing: "warn",
  active: "info",
  waiting: "info",
  sleeping: "info",
  completed: "good",
  delivered: "good",
  sent: "good",
  opened: "good",
  clicked: "good",
  failed: "bad",
  bounced: "bad",
  complained: "bad",
  dead: "bad",
  exited: "neutral",
  cancelled: "neutral",
  held_out: "neutral",
  queued: "warn",
  sending: "warn",
  suppressed: "warn",
  skipped: "warn",
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONES[status] ?? "neutral"}>{status}</Badge>;
}
