import { alertGuide, formatAlertValue } from "../lib/alert-guide";
import { type AlertEventRow, useAlertHistory } from "../lib/alert-queries";
import { formatDate } from "../lib/format";
import { Badge, Card, CardHeader, type Tone } from "../ui/card";
import { LoadMore } from "../ui/load-more";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

const KIND_TONE: Record<AlertEventRow["kind"], Tone> = {
  opened: "bad",
  escalated: "bad",
  repeated: "warn",
  resolved: "good",
};

const DELIVERY_TONE: Record<AlertEventRow["notifications"][number]["status"], Tone> = {
  pending: "warn",
  sent: "good",
  failed: "bad",
};

/** Every transition (opened, escalated, repeated, resolved), newest first, a page at a time. */
export function AlertHistory() {
  const history = useAlertHistory();
  return (
    <Card>
      <CardHeader title="History">
        Each time an alert opened, escalated, was sent again or resolved, newest first, with its notifications
      </CardHeader>
      <QueryView query={history}>
        {(events) => {
          if (events.length === 0)
            return (
              <Empty title="No alert has fired yet">
                When a rule crosses its threshold, its opening, repeats and resolution are listed here.
              </Empty>
            );
          return (
            <>
              <Table>
                <thead>
                  <tr>
                    <Th>When</Th>
                    <Th>Alert</Th>
                    <Th>Transition</Th>
                    <Th className="text-right">Value</Th>
                    <Th>Summary</Th>
                    <Th>Notified</Th>
                  </tr>
                </thead>
                <tbody data-testid="alert-history-rows">
                  {events.map((event) => (
                    <Tr key={event.id}>
                      <Td className="text-xs whitespace-nowrap text-zinc-500">{formatDate(event.at)}</Td>
                      <Td className="whitespace-nowrap">
                        <div className="font-medium">{alertGuide(event.rule).label}</div>
                        <div className="font-mono text-xs text-zinc-400">{event.rule}</div>
                      </Td>
                      <Td>
                        <div className="flex gap-1">
                          <Badge tone={KIND_TONE[event.kind]}>{event.kind}</Badge>
                          {event.severity ? (
                            <Badge tone={event.severity === "critical" ? "bad" : "warn"}>
                              {event.severity}
                            </Badge>
                          ) : null}
                        </div>
                      </Td>
                      <Td className="text-right text-xs whitespace-nowrap tabular-nums">
                        {formatAlertValue(event.rule, event.value)}
                        {event.threshold !== null ? (
                          <div className="text-zinc-400">
                            threshold {formatAlertValue(event.rule, event.threshold)}
                          </div>
                        ) : null}
                      </Td>
                      <Td className="text-xs text-zinc-700">{event.summary}</Td>
                      <Td>
                        {event.notifications.length === 0 ? (
                          <span className="text-xs whitespace-nowrap text-zinc-400">no channel</span>
                        ) : (
                          <div className="flex flex-wrap gap-1">
                            {event.notifications.map((n) => (
                              <span key={n.channel} title={n.lastError ?? `${n.attempts} attempt(s)`}>
                                <Badge tone={DELIVERY_TONE[n.status]}>
                                  {n.channel} {n.status}
                                </Badge>
                              </span>
                            ))}
                          </div>
                        )}
                      </Td>
                    </Tr>
                  ))}
                </tbody>
              </Table>
              <LoadMore list={history} />
            </>
          );
        }}
      </QueryView>
    </Card>
  );
}
