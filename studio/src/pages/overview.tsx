import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../lib/api";
import { contract, type Overview } from "../lib/contract";
import { formatNumber, formatPercent, relative } from "../lib/format";
import { Badge, Card, CardHeader, Stat, type Tone } from "../ui/card";
import { PageHeader } from "../ui/page";
import { SendsChart } from "../ui/sends-chart";
import { Empty, QueryView } from "../ui/states";

// Gmail and Yahoo's sender requirements: complaints under 0.1 % (never 0.3 %), bounces under 2 % (5 % critical).
const DEFAULT_BANDS = { complaint: { warn: 0.001, critical: 0.003 }, bounce: { warn: 0.02, critical: 0.05 } };

function band(rate: number | null, limits: { warn: number; critical: number }): Tone {
  if (rate === null) return "neutral";
  return rate >= limits.critical ? "bad" : rate >= limits.warn ? "warn" : "good";
}

export function OverviewPage() {
  const query = useQuery({
    queryKey: ["overview"],
    queryFn: () => unwrap(contract.overview()) as Promise<{ data: Overview }>,
    refetchInterval: 15_000,
  });
  return (
    <>
      <PageHeader title="Overview" subtitle="Sending, deliverability, journeys and health at a glance" />
      <QueryView query={query}>
        {({ data }) => {
          const bands = data.bands ?? DEFAULT_BANDS;
          return (
            <div className="flex flex-col gap-5">
              <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
                <Stat label="Sent, 24 h" value={formatNumber(data.sent.last24h)} />
                <Stat label="Sent, 7 days" value={formatNumber(data.sent.last7d)} />
                <Stat label="Sent, 30 days" value={formatNumber(data.sent.last30d)} />
                <Stat label="Contacts" value={formatNumber(data.contacts)} />
              </div>
              <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
                <Stat label="Delivered (30 d)" value={formatPercent(data.rates.delivered, 1)} />
                <Stat
                  label="Bounce rate (30 d)"
                  value={formatPercent(data.rates.bounce)}
                  tone={band(data.rates.bounce, bands.bounce)}
                  hint={`warn ${formatPercent(bands.bounce.warn, 0)} · critical ${formatPercent(bands.bounce.critical, 0)}`}
                />
                <Stat
                  label="Complaint rate (30 d)"
                  value={formatPercent(data.rates.complaint, 3)}
                  tone={band(data.rates.complaint, bands.complaint)}
                  hint={`warn ${formatPercent(bands.complaint.warn, 1)} · critical ${formatPercent(bands.complaint.critical, 1)}`}
                />
                <Stat label="Unsubscribe rate (30 d)" value={formatPercent(data.rates.unsubscribe)} />
              </div>
              <Card>
                <CardHeader title="Sends per day by category">Last 30 days</CardHeader>
                {data.sendsPerDay.length === 0 ? (
                  <Empty title="Nothing sent in the last 30 days" />
                ) : (
                  <SendsChart rows={data.sendsPerDay} />
                )}
              </Card>
              <div className="grid gap-3 lg:grid-cols-2">
                <Card>
                  <CardHeader title="Journey runs" />
                  <div className="grid grid-cols-3 gap-3 p-4">
                    <Stat label="Active" value={formatNumber(data.runs.active)} />
                    <Stat label="Sleeping" value={formatNumber(data.runs.sleeping)} />
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
                      {data.health.schemaCurrent ? (
                        <Badge tone="good">current</Badge>
                      ) : (
                        <Badge tone="bad">behind</Badge>
                      )}
                    </dd>
                    <dt className="text-zinc-500">Workers</dt>
                    <dd className="flex flex-col gap-0.5">
                      {data.health.workers.length === 0 ? (
                        <Badge tone="warn">none heard from</Badge>
                      ) : (
                        data.health.workers.map((w) => (
                          <span key={w.id} className="font-mono text-xs">
                            {w.id} · {relative(w.lastHeartbeatAt)}
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
                    <dt className="text-zinc-500">Queue lag</dt>
                    <dd>
                      {data.health.queueLagSeconds === null
                        ? "—"
                        : `${data.health.queueLagSeconds.toFixed(1)} s`}
                    </dd>
                  </dl>
                </Card>
              </div>
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
