import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams, useSearch } from "@tanstack/react-router";
import { admin, unwrap } from "../lib/api";
import { useCursorPages } from "../lib/cursor-pages";
import { formatDate, formatNumber, relative } from "../lib/format";
import { Badge, Card, CardHeader, StatusBadge } from "../ui/card";
import { Drawer } from "../ui/dialog";
import { Select } from "../ui/input";
import { LoadMore } from "../ui/load-more";
import { Mono, PageHeader } from "../ui/page";
import { Empty, ErrorState, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";
import { LiftCard } from "./journey-lift";
import { EnableToggle, type JourneyRow, useJourneys } from "./journeys";
import { RunInspector } from "./run";

const STATUSES = ["active", "waiting", "completed", "failed", "exited", "cancelled", "held_out"] as const;

type FunnelStep = { label: string; kind: string; reached: number; current: number };
type Status = (typeof STATUSES)[number];

export function JourneyPage() {
  const { journeyId } = useParams({ from: "/app/journeys/$journeyId" });
  const search = useSearch({ from: "/app/journeys/$journeyId" });
  const navigate = useNavigate({ from: "/journeys/$journeyId" });
  const journeys = useJourneys();
  const journey: JourneyRow | undefined = journeys.data?.data.find((j) => j.id === journeyId);
  const funnel = useQuery({
    queryKey: ["funnel", journeyId],
    queryFn: () => unwrap(admin.journeys[":journeyId"].funnel.$get({ param: { journeyId } })),
  });
  const runs = useCursorPages({
    queryKey: ["runs", "journey", journeyId, search.status, search.step],
    fetchPage: (cursor) => {
      const query: { limit: string; status?: Status; step?: string; cursor?: string } = { limit: "100" };
      if (search.status && (STATUSES as readonly string[]).includes(search.status))
        query.status = search.status as Status;
      if (search.step) query.step = search.step;
      if (cursor) query.cursor = cursor;
      return unwrap(admin.journeys[":journeyId"].runs.$get({ param: { journeyId }, query }));
    },
    refetchInterval: 10_000,
  });
  const steps = funnel.data?.data.steps ?? [];
  return (
    <>
      <PageHeader
        title={journey?.name ?? journeyId}
        subtitle={
          <span className="flex items-center gap-2">
            <Mono>{journeyId}</Mono>
            {journey?.description ? <span>· {journey.description}</span> : null}
          </span>
        }
        actions={journey?.loaded ? <EnableToggle journey={journey} /> : null}
      />
      <div className="flex flex-col gap-5">
        <Card>
          <CardHeader title="Funnel">How many runs reached each step, and how many are there now</CardHeader>
          <QueryView query={funnel}>
            {({ data }) =>
              data.steps.length === 0 ? (
                <Empty title="No steps recorded yet">
                  Steps appear once runs have journaled a labelled operation.
                </Empty>
              ) : (
                <>
                  <Funnel
                    steps={data.steps}
                    onPick={(step) => navigate({ search: (s) => ({ ...s, step }) })}
                  />
                  {data.atNoStep > 0 ? (
                    <p className="px-4 pb-3 text-xs text-zinc-500">
                      {formatNumber(data.atNoStep)} live run(s) are between labelled steps.
                    </p>
                  ) : null}
                </>
              )
            }
          </QueryView>
        </Card>
        <LiftCard journeyId={journeyId} />
        <Card>
          <CardHeader
            title="Runs"
            actions={
              <>
                <Select
                  aria-label="Status"
                  value={search.status ?? ""}
                  onChange={(e) =>
                    navigate({ search: (s) => ({ ...s, status: e.target.value || undefined }) })
                  }
                >
                  <option value="">Every status</option>
                  {STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </Select>
                <Select
                  aria-label="Step"
                  value={search.step ?? ""}
                  onChange={(e) => navigate({ search: (s) => ({ ...s, step: e.target.value || undefined }) })}
                >
                  <option value="">Every step</option>
                  {steps.map((s) => (
                    <option key={s.label} value={s.label}>
                      {s.label}
                    </option>
                  ))}
                  {search.step && !steps.some((s) => s.label === search.step) ? (
                    <option value={search.step}>{search.step}</option>
                  ) : null}
                </Select>
              </>
            }
          >
            Newest first; refreshed every 10 s until you load more
          </CardHeader>
          <QueryView query={runs}>
            {(data) =>
              data.length === 0 ? (
                <Empty title="No runs match">Change the filters, or send the trigger event.</Empty>
              ) : (
                <>
                  <Table>
                    <thead>
                      <tr>
                        <Th>Run</Th>
                        <Th>User</Th>
                        <Th>Status</Th>
                        <Th>Step</Th>
                        <Th>Next wake</Th>
                        <Th>Attempts</Th>
                        <Th>Started</Th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.map((run) => (
                        <Tr key={run.runId} className="cursor-pointer">
                          <Td>
                            <Link
                              from="/journeys/$journeyId"
                              search={(s) => ({ ...s, run: run.runId })}
                              className="font-mono text-xs text-brand-700 hover:underline"
                            >
                              {run.runId.slice(0, 8)}
                            </Link>
                          </Td>
                          <Td>
                            <Link
                              to="/contacts/$userId"
                              params={{ userId: run.userId }}
                              search={{}}
                              className="hover:underline"
                            >
                              {run.userId}
                            </Link>
                            {run.userEmail ? (
                              <div className="text-xs text-zinc-500">{run.userEmail}</div>
                            ) : null}
                          </Td>
                          <Td>
                            <StatusBadge status={run.status} />
                            {run.error ? (
                              <div className="mt-1 max-w-xs truncate text-xs text-red-600">{run.error}</div>
                            ) : null}
                          </Td>
                          <Td className="font-mono text-xs">{run.currentStep ?? "—"}</Td>
                          <Td className="text-xs" title={formatDate(run.nextWakeAt ?? run.dueAt)}>
                            {relative(run.nextWakeAt ?? run.dueAt)}
                          </Td>
                          <Td className="tabular-nums">{run.attempts}</Td>
                          <Td className="text-xs text-zinc-500">{formatDate(run.createdAt)}</Td>
                        </Tr>
                      ))}
                    </tbody>
                  </Table>
                  <LoadMore list={runs} />
                </>
              )
            }
          </QueryView>
        </Card>
      </div>
      <Drawer
        open={search.run !== undefined}
        onOpenChange={(open) => {
          if (!open) void navigate({ search: (s) => ({ ...s, run: undefined }) });
        }}
        title={
          <span>
            Run <Mono>{search.run}</Mono>
          </span>
        }
      >
        {search.run ? <RunInspector runId={search.run} /> : <ErrorState error="No run" />}
      </Drawer>
    </>
  );
}

function Funnel({ steps, onPick }: { steps: FunnelStep[]; onPick: (label: string) => void }) {
  const max = Math.max(1, ...steps.map((s) => s.reached));
  return (
    <div className="flex flex-col gap-1.5 p-4" data-testid="funnel">
      {steps.map((step) => (
        <button
          type="button"
          key={step.label}
          onClick={() => onPick(step.label)}
          className="group grid grid-cols-[12rem_1fr_6rem_6rem] items-center gap-3 rounded px-1 py-0.5 text-left text-sm hover:bg-zinc-50"
        >
          <span className="flex items-center gap-2 truncate">
            <Badge>{step.kind}</Badge>
            <span className="truncate font-mono text-xs">{step.label}</span>
          </span>
          <span className="relative h-5 rounded bg-zinc-100">
            <span
              className="absolute inset-y-0 left-0 rounded bg-brand-500/80"
              style={{ width: `${(step.reached / max) * 100}%` }}
            />
            <span
              className="absolute inset-y-0 left-0 rounded bg-sky-600"
              style={{ width: `${(step.current / max) * 100}%` }}
            />
          </span>
          <span className="text-right tabular-nums">{formatNumber(step.reached)} reached</span>
          <span className="text-right text-sky-700 tabular-nums">{formatNumber(step.current)} here</span>
        </button>
      ))}
    </div>
  );
}
