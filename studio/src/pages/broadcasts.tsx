import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { Plus } from "lucide-react";
import { useCanMutate } from "../lib/auth";
import {
  BROADCAST_STATUSES,
  type BroadcastRow,
  type BroadcastStatus,
  useBroadcasts,
} from "../lib/broadcast-queries";
import { formatDate, formatNumber } from "../lib/format";
import { Button } from "../ui/button";
import { Card, CardHeader, StatusBadge } from "../ui/card";
import { Select } from "../ui/input";
import { LoadMore } from "../ui/load-more";
import { PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

const COUNTS = [
  ["recipients", "Recipients"],
  ["sent", "Sent"],
  ["delivered", "Delivered"],
  ["opened", "Opened"],
  ["clicked", "Clicked"],
  ["bounced", "Bounced"],
  ["complained", "Complained"],
  ["unsubscribed", "Unsub."],
] as const;

const asStatus = (value: string | undefined): BroadcastStatus | undefined =>
  (BROADCAST_STATUSES as readonly string[]).includes(value ?? "") ? (value as BroadcastStatus) : undefined;

/** When it goes and when it went: the schedule, then the start, finish or cancel (a draft: when it was made). */
function timesOf(b: BroadcastRow): Array<[string, string]> {
  const times: Array<[string, string | null]> = [
    ["scheduled for", b.scheduledAt],
    b.status === "sent"
      ? ["sent", b.completedAt]
      : b.status === "cancelled"
        ? ["cancelled", b.cancelledAt]
        : ["started", b.startedAt],
  ];
  const known = times.filter((t): t is [string, string] => t[1] !== null);
  return known.length > 0 ? known : [["created", b.createdAt]];
}

export function NewBroadcastButton() {
  return (
    <Button asChild>
      <Link to="/broadcasts/new">
        <Plus className="size-4" aria-hidden /> New broadcast
      </Link>
    </Button>
  );
}

export function BroadcastsPage() {
  const search = useSearch({ from: "/app/broadcasts" });
  const navigate = useNavigate({ from: "/broadcasts" });
  const canMutate = useCanMutate();
  const status = asStatus(search.status);
  const list = useBroadcasts(status);
  return (
    <>
      <PageHeader
        title="Broadcasts"
        subtitle="One-off sends of a template to an audience, with what became of each email"
        actions={canMutate ? <NewBroadcastButton /> : null}
      />
      <Card>
        <CardHeader
          title="Newest first"
          actions={
            <Select
              aria-label="Status"
              value={status ?? ""}
              onChange={(e) => navigate({ search: { status: e.target.value || undefined } })}
            >
              <option value="">Every status</option>
              {BROADCAST_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </Select>
          }
        >
          Stats refresh every few seconds while a broadcast is sending
        </CardHeader>
        <QueryView query={list}>
          {(data) =>
            data.length === 0 ? (
              <Empty title={status ? `No ${status} broadcasts` : "No broadcasts yet"}>
                {status
                  ? "Choose another status."
                  : canMutate
                    ? "Create one with New broadcast: pick a template, describe the audience, preview it, send."
                    : "An admin creates them here (or with `hogsend broadcasts create`)."}
              </Empty>
            ) : (
              <>
                <Table>
                  <thead>
                    <tr>
                      <Th>Broadcast</Th>
                      <Th>Status</Th>
                      <Th>When</Th>
                      {COUNTS.map(([metric, label]) => (
                        <Th key={metric} className="text-right">
                          {label}
                        </Th>
                      ))}
                    </tr>
                  </thead>
                  <tbody data-testid="broadcast-rows">
                    {data.map((b) => (
                      <Tr key={b.id}>
                        <Td>
                          <Link
                            to="/broadcasts/$broadcastId"
                            params={{ broadcastId: b.id }}
                            className="font-medium text-zinc-900 hover:text-brand-600"
                          >
                            {b.name}
                          </Link>
                          <div className="font-mono text-xs text-zinc-500">{b.template}</div>
                        </Td>
                        <Td>
                          <StatusBadge status={b.status} />
                        </Td>
                        <Td className="text-xs whitespace-nowrap text-zinc-600">
                          {timesOf(b).map(([label, at]) => (
                            <div key={label}>
                              <span className="text-zinc-400">{label}</span> {formatDate(at)}
                            </div>
                          ))}
                        </Td>
                        {COUNTS.map(([metric]) => (
                          <Td key={metric} className="text-right tabular-nums">
                            {formatNumber(b.stats[metric])}
                          </Td>
                        ))}
                      </Tr>
                    ))}
                  </tbody>
                </Table>
                <LoadMore list={list} />
              </>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
