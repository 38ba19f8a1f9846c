import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { RefreshCw } from "lucide-react";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { type BroadcastRow, broadcastKeys, isLive, useBroadcast } from "../lib/broadcast-queries";
import { formatDate, json } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card, CardHeader, StatusBadge } from "../ui/card";
import { Mono, PageHeader, Pre } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { AudiencePreview } from "./audience-preview";
import { BroadcastActions } from "./broadcast-actions";
import { BroadcastStats } from "./broadcast-stats";

export function BroadcastPage() {
  const { broadcastId } = useParams({ from: "/app/broadcasts/$broadcastId" });
  const broadcast = useBroadcast(broadcastId);
  return (
    <QueryView query={broadcast}>
      {({ data }) => (
        <>
          <PageHeader
            title={data.name}
            subtitle={
              <span className="flex items-center gap-2">
                <Link to="/broadcasts" search={{}} className="hover:underline">
                  Broadcasts
                </Link>
                <span>·</span>
                <Mono>{data.id}</Mono>
                <StatusBadge status={data.status} />
              </span>
            }
            actions={<BroadcastActions broadcast={data} />}
          />
          <div className="flex flex-col gap-5">
            <Card>
              <CardHeader title="Stats">
                {isLive(data) ? "Live: refreshed every 1.5 s while it goes out" : "Counters of what happened"}
              </CardHeader>
              <BroadcastStats stats={data.stats} />
            </Card>
            <AudienceCard broadcastId={data.id} />
            <Definition broadcast={data} />
          </div>
        </>
      )}
    </QueryView>
  );
}

/** Counting an audience reads every contact it could hold, so it runs when asked, not on every page view. */
function AudienceCard({ broadcastId }: { broadcastId: string }) {
  const [asked, setAsked] = useState(false);
  const preview = useQuery({
    queryKey: broadcastKeys.preview(broadcastId),
    queryFn: () =>
      unwrap(admin.broadcasts[":id"].preview.$get({ param: { id: broadcastId }, query: { sample: "10" } })),
    enabled: asked,
    staleTime: 0,
  });
  return (
    <Card>
      <CardHeader
        title="Audience"
        actions={
          <Button
            variant="secondary"
            size="sm"
            disabled={preview.isFetching}
            onClick={() => (asked ? void preview.refetch() : setAsked(true))}
          >
            <RefreshCw className={preview.isFetching ? "size-3.5 animate-spin" : "size-3.5"} aria-hidden />
            Preview audience
          </Button>
        }
      >
        Who the audience holds now (a send at this moment would reach them)
      </CardHeader>
      {asked ? (
        <QueryView query={preview} loadingLabel="Counting the audience…">
          {({ data }) => <AudiencePreview preview={data} />}
        </QueryView>
      ) : (
        <Empty title="Not counted yet">Preview audience counts it and shows the first ten contacts.</Empty>
      )}
    </Card>
  );
}

function Definition({ broadcast: b }: { broadcast: BroadcastRow }) {
  const times: Array<[string, string | null]> = [
    ["Created", b.createdAt],
    ["Scheduled for", b.scheduledAt],
    ["Started", b.startedAt],
    ["Sent", b.completedAt],
    ["Cancelled", b.cancelledAt],
  ];
  return (
    <Card>
      <CardHeader title="Definition">What was created; a broadcast is not edited once made</CardHeader>
      <div className="grid gap-5 p-4 lg:grid-cols-2">
        <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1.5 self-start text-sm">
          <dt className="text-zinc-500">Template</dt>
          <dd>
            <Link
              to="/templates"
              search={{ key: b.template }}
              className="font-mono text-xs text-brand-700 hover:underline"
            >
              {b.template}
            </Link>
          </dd>
          <dt className="text-zinc-500">Subject</dt>
          <dd>{b.subject ?? <span className="text-zinc-400">the template's</span>}</dd>
          <dt className="text-zinc-500">Category</dt>
          <dd>
            <Badge>{b.category}</Badge>
          </dd>
          <dt className="text-zinc-500">Rate</dt>
          <dd>
            {b.ratePerSecond ? (
              `${b.ratePerSecond} / s`
            ) : (
              <span className="text-zinc-400">server default</span>
            )}
          </dd>
          {times.map(([label, at]) =>
            at ? (
              <div key={label} className="contents">
                <dt className="text-zinc-500">{label}</dt>
                <dd className="text-xs leading-5">{formatDate(at)}</dd>
              </div>
            ) : null,
          )}
        </dl>
        <div className="flex min-w-0 flex-col gap-3">
          <div>
            <div className="mb-1 text-xs font-medium text-zinc-600">Audience</div>
            <Pre value={json(b.audience)} />
          </div>
          <div>
            <div className="mb-1 text-xs font-medium text-zinc-600">Props</div>
            <Pre value={json(b.props)} />
          </div>
          {b.sendWindow ? (
            <div>
              <div className="mb-1 text-xs font-medium text-zinc-600">Send window</div>
              <Pre value={json(b.sendWindow)} />
            </div>
          ) : null}
        </div>
      </div>
    </Card>
  );
}
