import { useQuery } from "@tanstack/react-query";
import { admin, unwrap } from "../lib/api";
import { formatNumber, formatPercent, relative } from "../lib/format";
import { Badge, Card, CardHeader, Stat, type Tone } from "../ui/card";
import { PageHeader } from "../ui/page";
import { SendsChart } from "../ui/sends-chart";
import { Empty, QueryView } from "../ui/states";

// The server grades each rate against the Gmail/Yahoo sender bands (complaints 0.1 % / 0.3 %, bounces 2 % / 5 %).
const BAND_TONE: Record<string, Tone> = { ok: "good", warn: "warn", critical: "bad" };

export function OverviewPage() {
  const query = useQuery({
    queryKey: ["overview"],
    queryFn: () => unwrap(admin.overview.$get()),
    refetchInterval: 15_000,
  });
  return (
    <>
      <PageHeader title="Overview" subtitle="Sending, deliverability, journeys and health at a glance" />
      <QueryView query={query}>
        {({ data }) => (
          <div className="flex flex-col gap-5" data-testid="overview">
            <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
              <Stat label="Sent, 24 h" value={formatNumber(data.sent.last24h)} />
              <Stat label="Sent, 7 days" value={formatNumber(data.sent.last7d)} />
              <Stat label="Sent, 30 days" value={formatNumber(data.sent.last30d)} />
              <Stat
                label="Contacts"
                value={`${data.contacts.approximate ? "≈ " : ""}${formatNumber(data.contacts.count)}`}
              />
            </div>
            <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
              <Stat label="Delivered (30 d)" value={formatPercent(data.rates.delivered, 1)} />
              <Stat
                label="Bounce rate (30 d)"
                value={formatPercent(data.rates.bounce.rate)}
                tone={BAND_TONE[data.rates.bounce.band] ?? "neutral"}
                hint={`warn ${formatPercent(data.rates.bounce.warn, 0)} · critical ${formatPercent(data.rates.bounce.critical, 0)}`}
              />
              <Stat
                label="Complaint rate (30 d)"
                value={formatPercent(data.rates.complaint.rate, 3)}
                tone={BAND_TONE[data.rates.complaint.band] ?? "neutral"}
                hint={`warn ${formatPercent(data.rates.complaint.warn, 1)} · critical ${formatPercent(data.rates.complaint.critical, 1)}`}
              />
              <Stat label="Unsubscribe rate (30 d)" value={formatPercent(data.rates.unsubscribe)} />
            </div>
            <Card>
              <CardHeader title="Sends per day by category">Last 30 days</CardHeader>
              {data.sendsPerDay.length === 0 ? (
                <Empty title="Nothing sent in the last 30 days" />
              ) : (
                <SendsChart
                  rows={data.sendsPerDay.map((r) => ({ day: r.day, category: r.category, count: r.sent }))}
                />
              )}
            </Card>
            <div className="grid gap-3 lg:grid-cols-2">
              <Card>
                <CardHeader title="Journey runs" />
                <div className="grid grid-cols-3 gap-3 p-4">
                  <Stat label="Active" value={formatNumber(data.runs.active)} />
                  <Stat label="Sleeping or waiting" value={formatNumber(data.runs.sleeping)} />
                  <Stat
                    label="Failed"
                    value={formatNumber(data.runs.failed)}
                    tone={data.runs.failed > 0 ? "bad" : "neutral"}
                  />
                </div>
              </Card>
              <Card>
                <CardHeader title="Health" />
                <dl className="grid grid-cols-2 gap-x-4 gap-y-2 p-4 text-sm">
                  <dt className="text-zinc-500">Schema</dt>
                  <dd>
                    {data.health.schema.current ? (
                      <Badge tone="good">current</Badge>
                    ) : (
                      <Badge tone="bad">{data.health.schema.pending.length} migration(s) pending</Badge>
                    )}
                  </dd>
                  <dt className="text-zinc-500">Workers</dt>
                  <dd className="flex flex-col gap-0.5">
                    {data.health.workers.length === 0 ? (
                      <Badge tone="warn">none heard from</Badge>
                    ) : (
                      data.health.workers.map((w) => (
                        <span key={w.id} className="flex items-center gap-1.5 font-mono text-xs">
                          <span
                            className={`size-2 rounded-full ${w.live ? "bg-emerald-500" : "bg-zinc-300"}`}
                          />
                          {w.id.slice(0, 18)} · {relative(w.seenAt)}
                        </span>
                      ))
                    )}
                  </dd>
                  <dt className="text-zinc-500">Routing dead letters</dt>
                  <dd>
                    <Badge tone={data.health.routingDeadLetters > 0 ? "bad" : "good"}>
                      {formatNumber(data.health.routingDeadLetters)}
                    </Badge>
                  </dd>
                  <dt className="text-zinc-500">Routing queue</dt>
                  <dd>
                    {formatNumber(data.health.routingQueue.depth)} queued · lag{" "}
                    {data.health.routingQueue.lagSeconds.toFixed(1)} s
                  </dd>
                  <dt className="text-zinc-500">Outbox lag</dt>
                  <dd>{data.health.outboxLagSeconds.toFixed(1)} s</dd>
                </dl>
              </Card>
            </div>
          </div>
        )}
      </QueryView>
    </>
  );
}
