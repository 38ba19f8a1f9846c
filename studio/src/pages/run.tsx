import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { formatDate, json, relative } from "../lib/format";
import { Badge, Card, StatusBadge } from "../ui/card";
import { ConfirmButton } from "../ui/dialog";
import { Mono, PageHeader, Pre } from "../ui/page";
import { Empty, QueryView } from "../ui/states";

type JournalEntry = {
  position: number;
  kind: string;
  label?: string | null;
  result?: unknown;
  error?: string | null;
  createdAt?: string;
  at?: string;
  completedAt?: string | null;
};

const LIVE = new Set(["active", "waiting", "sleeping"]);

/** A run: its state, error and attempts, the journal as a timeline, cancel and retry. */
export function RunInspector({ runId }: { runId: string }) {
  const queryClient = useQueryClient();
  const canMutate = useCanMutate();
  const run = useQuery({
    queryKey: ["run", runId],
    queryFn: () => unwrap(admin.runs[":runId"].$get({ param: { runId } })),
    refetchInterval: 5_000,
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["run", runId] }),
      queryClient.invalidateQueries({ queryKey: ["runs"] }),
      queryClient.invalidateQueries({ queryKey: ["funnel"] }),
    ]);
  const cancel = useMutation({
    mutationFn: () => unwrap(admin.runs[":runId"].cancel.$post({ param: { runId } })),
    onSettled: refresh,
  });
  const retry = useMutation({
    mutationFn: () => unwrap(admin.runs[":runId"].retry.$post({ param: { runId } })),
    onSettled: refresh,
  });
  return (
    <QueryView query={run}>
      {({ data }) => {
        const journal = data.journal as JournalEntry[];
        return (
          <div className="flex flex-col gap-4 p-5" data-testid="run-inspector">
            <div className="flex flex-wrap items-center gap-2">
              <StatusBadge status={data.status} />
              <Link
                to="/journeys/$journeyId"
                params={{ journeyId: data.journeyId }}
                search={{}}
                className="text-sm font-medium hover:underline"
              >
                {data.journeyId}
              </Link>
              <span className="text-zinc-400">·</span>
              <Link
                to="/contacts/$userId"
                params={{ userId: data.userId }}
                search={{}}
                className="text-sm hover:underline"
              >
                {data.userId}
              </Link>
              <span className="ml-auto flex gap-2">
                {canMutate && LIVE.has(data.status) ? (
                  <ConfirmButton
                    label="Cancel run"
                    title="Cancel this run?"
                    description="The run stops where it is and will not wake again. This cannot be undone."
                    confirmLabel="Cancel run"
                    onConfirm={() => cancel.mutateAsync()}
                    pending={cancel.isPending}
                  />
                ) : null}
                {canMutate && data.status === "failed" ? (
                  <ConfirmButton
                    label="Retry run"
                    variant="primary"
                    title="Retry this failed run?"
                    description="The run replays from its journal: completed steps are not repeated."
                    confirmLabel="Retry"
                    onConfirm={() => retry.mutateAsync()}
                    pending={retry.isPending}
                  />
                ) : null}
              </span>
            </div>
            <dl className="grid grid-cols-[8rem_1fr] gap-x-4 gap-y-1.5 text-sm">
              <dt className="text-zinc-500">Run id</dt>
              <dd>
                <Mono>{data.runId}</Mono>
              </dd>
              <dt className="text-zinc-500">Attempts</dt>
              <dd className="tabular-nums">{data.attempts}</dd>
              <dt className="text-zinc-500">Next wake</dt>
              <dd>{data.dueAt ? `${formatDate(data.dueAt)} (${relative(data.dueAt)})` : "—"}</dd>
              <dt className="text-zinc-500">Started</dt>
              <dd>{formatDate(data.createdAt)}</dd>
              <dt className="text-zinc-500">Updated</dt>
              <dd>{formatDate(data.updatedAt)}</dd>
              <dt className="text-zinc-500">Completed</dt>
              <dd>{formatDate(data.completedAt)}</dd>
              <dt className="text-zinc-500">Goal</dt>
              <dd data-testid="run-goal">
                {data.convertedAt ? `${data.goalEvent} at ${formatDate(data.convertedAt)}` : "not met"}
                {data.exitReason === "goal" ? " (ended the run)" : ""}
              </dd>
              {Object.keys(data.variants).length > 0 ? (
                <>
                  <dt className="text-zinc-500">Variants</dt>
                  <dd className="font-mono text-xs">
                    {Object.entries(data.variants)
                      .map(([name, arm]) => `${name}: ${arm}`)
                      .join(", ")}
                  </dd>
                </>
              ) : null}
            </dl>
            {data.error ? (
              <div className="rounded-md border border-red-200 bg-red-50 p-3" data-testid="run-error">
                <div className="text-xs font-medium text-red-800">Error after {data.attempts} attempt(s)</div>
                <pre className="mt-1 font-mono text-xs whitespace-pre-wrap text-red-700">{data.error}</pre>
              </div>
            ) : null}
            {cancel.error || retry.error ? (
              <p role="alert" className="text-sm text-red-600">
                {(cancel.error ?? retry.error)?.message}
              </p>
            ) : null}
            <div>
              <h3 className="mb-2 text-sm font-semibold">Journal</h3>
              {journal.length === 0 ? (
                <Empty title="Nothing journaled yet" />
              ) : (
                <ol className="relative ml-2 border-l border-zinc-200" data-testid="journal">
                  {journal.map((entry) => (
                    <li key={entry.position} className="mb-3 ml-4">
                      <span className="absolute -left-1.5 mt-1.5 size-3 rounded-full border-2 border-white bg-brand-500" />
                      <div className="flex flex-wrap items-center gap-2 text-sm">
                        <span className="text-xs text-zinc-400 tabular-nums">#{entry.position}</span>
                        <Badge tone="info">{entry.kind}</Badge>
                        {entry.label ? <span className="font-mono text-xs">{entry.label}</span> : null}
                        <span className="ml-auto text-xs text-zinc-500">
                          {formatDate(entry.completedAt ?? entry.createdAt ?? entry.at)}
                        </span>
                      </div>
                      {entry.error ? <div className="mt-1 text-xs text-red-600">{entry.error}</div> : null}
                      {entry.result !== undefined && entry.result !== null ? (
                        <div className="mt-1">
                          <Pre value={json(entry.result)} />
                        </div>
                      ) : null}
                    </li>
                  ))}
                </ol>
              )}
            </div>
            <details>
              <summary className="cursor-pointer text-sm text-zinc-600">Run properties</summary>
              <div className="mt-2">
                <Pre value={json(data.properties)} />
              </div>
            </details>
          </div>
        );
      }}
    </QueryView>
  );
}

export function RunPage() {
  const { runId } = useParams({ from: "/app/runs/$runId" });
  return (
    <>
      <PageHeader title="Run" subtitle={<Mono>{runId}</Mono>} />
      <Card>
        <RunInspector runId={runId} />
      </Card>
    </>
  );
}
