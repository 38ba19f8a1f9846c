import { alertGuide, formatAlertValue } from "../lib/alert-guide";
import { type AlertRow, useAlerts } from "../lib/alert-queries";
import { formatDate, relative } from "../lib/format";
import { Badge, Card, CardHeader } from "../ui/card";
import { PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";
import { AlertHistory } from "./alert-history";
import { SendingPause } from "./sending-pause";

const RANK = { critical: 0, warning: 1 } as const;

/** Firing first (critical before warning), then the rest by name. */
function byUrgency(a: AlertRow, b: AlertRow): number {
  const rank = (row: AlertRow) => (row.status === "firing" ? RANK[row.severity ?? "warning"] : 2);
  return rank(a) - rank(b) || alertGuide(a.rule).label.localeCompare(alertGuide(b.rule).label);
}

export function AlertsPage() {
  const current = useAlerts();
  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="What the alert rules see now, the reputation guard's sending switch, and every alert that fired"
      />
      <div className="flex flex-col gap-5">
        <QueryView query={current}>
          {({ data }) => (
            <>
              <SendingPause sending={data.sending} />
              <CurrentAlerts alerts={data.alerts} />
            </>
          )}
        </QueryView>
        <AlertHistory />
      </div>
    </>
  );
}

function CurrentAlerts({ alerts }: { alerts: AlertRow[] }) {
  const firing = alerts.filter((a) => a.status === "firing");
  const evaluatedAt = alerts.reduce<string | null>(
    (latest, a) => (latest === null || a.evaluatedAt > latest ? a.evaluatedAt : latest),
    null,
  );
  return (
    <Card>
      <CardHeader title="Current alerts">
        {evaluatedAt
          ? `${firing.length} of ${alerts.length} rules firing · evaluated ${relative(evaluatedAt)} by a worker`
          : "A running worker evaluates the rules each interval (every minute by default)"}
      </CardHeader>
      {firing.length === 0 ? (
        <Empty title="No alert firing">
          {alerts.length === 0
            ? "No rule has been evaluated yet: a running worker evaluates them each interval. Is a worker running?"
            : "Every rule is within its thresholds. A firing alert shows here with what it means and what to do."}
        </Empty>
      ) : null}
      {alerts.length > 0 ? (
        <Table>
          <thead>
            <tr>
              <Th>Alert</Th>
              <Th>State</Th>
              <Th>Since</Th>
              <Th className="text-right">Value</Th>
              <Th>What it means</Th>
            </tr>
          </thead>
          <tbody data-testid="alert-rows">
            {[...alerts].sort(byUrgency).map((alert) => {
              const guide = alertGuide(alert.rule);
              const on = alert.status === "firing";
              return (
                <Tr key={alert.rule} data-rule={alert.rule} data-status={alert.status}>
                  <Td className="whitespace-nowrap">
                    <div className="font-medium">{guide.label}</div>
                    <div className="font-mono text-xs text-zinc-400">{alert.rule}</div>
                  </Td>
                  <Td>
                    <div className="flex gap-1">
                      {on ? <Badge tone="bad">firing</Badge> : <Badge tone="good">ok</Badge>}
                      {on && alert.severity ? (
                        <Badge tone={alert.severity === "critical" ? "bad" : "warn"}>{alert.severity}</Badge>
                      ) : null}
                    </div>
                  </Td>
                  <Td className="text-xs whitespace-nowrap text-zinc-600">
                    {on ? (
                      <span title={formatDate(alert.openedAt)}>{relative(alert.openedAt)}</span>
                    ) : alert.resolvedAt ? (
                      <span title={formatDate(alert.resolvedAt)}>resolved {relative(alert.resolvedAt)}</span>
                    ) : (
                      <span className="text-zinc-400">never fired</span>
                    )}
                  </Td>
                  <Td className="text-right text-xs whitespace-nowrap tabular-nums">
                    <span className={on ? "font-semibold text-zinc-900" : "text-zinc-700"}>
                      {formatAlertValue(alert.rule, alert.value)}
                    </span>
                    {alert.threshold !== null ? (
                      <div className="text-zinc-400">
                        threshold {formatAlertValue(alert.rule, alert.threshold)}
                      </div>
                    ) : null}
                  </Td>
                  <Td className="max-w-xl text-xs">
                    {alert.summary ? <div className="text-zinc-800">{alert.summary}</div> : null}
                    {guide.means ? <div className="mt-0.5 text-zinc-500">{guide.means}</div> : null}
                    {on && guide.todo ? (
                      <div className="mt-1 rounded bg-amber-50 px-2 py-1 text-amber-900">
                        <span className="font-medium">What to do:</span> {guide.todo}
                      </div>
                    ) : null}
                  </Td>
                </Tr>
              );
            })}
          </tbody>
        </Table>
      ) : null}
    </Card>
  );
}
