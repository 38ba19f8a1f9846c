import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { formatNumber } from "../lib/format";
import { Badge, Card, StatusBadge } from "../ui/card";
import { ConfirmButton } from "../ui/dialog";
import { PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

export type JourneyRow = Awaited<ReturnType<typeof fetchJourneys>>["data"][number];

export const fetchJourneys = () => unwrap(admin.journeys.$get());

export function useJourneys() {
  return useQuery({ queryKey: ["journeys"], queryFn: fetchJourneys });
}

export function EnableToggle({ journey }: { journey: JourneyRow }) {
  const queryClient = useQueryClient();
  const canMutate = useCanMutate();
  const set = useMutation({
    mutationFn: (enabled: boolean | null) =>
      unwrap(
        admin.journeys[":journeyId"].enabled.$put({ param: { journeyId: journey.id }, json: { enabled } }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["journeys"] }),
  });
  const enabled = journey.enabled !== false;
  if (!canMutate) return null;
  return (
    <div className="flex items-center gap-1.5">
      <ConfirmButton
        label={enabled ? "Disable" : "Enable"}
        variant="secondary"
        title={`${enabled ? "Disable" : "Enable"} ${journey.id}?`}
        description={
          enabled
            ? "No new runs start while disabled; runs already in the journey carry on. Every worker honours this within seconds."
            : "New runs start again when the trigger event arrives."
        }
        confirmLabel={enabled ? "Disable journey" : "Enable journey"}
        onConfirm={() => set.mutateAsync(!enabled)}
        pending={set.isPending}
      />
      {journey.enabledOverride !== null ? (
        <button
          type="button"
          className="text-xs text-zinc-500 underline hover:text-zinc-800"
          onClick={() => set.mutate(null)}
          title="Clear the runtime override: meta.enabled decides again"
        >
          reset
        </button>
      ) : null}
      {set.error ? <span className="text-xs text-red-600">{set.error.message}</span> : null}
    </div>
  );
}

export function JourneysPage() {
  const query = useJourneys();
  return (
    <>
      <PageHeader
        title="Journeys"
        subtitle="Every journey deployed or with runs; enable or disable them at runtime"
      />
      <Card>
        <QueryView query={query}>
          {({ data }) =>
            data.length === 0 ? (
              <Empty title="No journeys yet">Journeys come from your project's hogsend.config.ts.</Empty>
            ) : (
              <Table>
                <thead>
                  <tr>
                    <Th>Journey</Th>
                    <Th>State</Th>
                    <Th>Runs by status</Th>
                    <Th>Skips</Th>
                    <Th className="text-right">Entered 7d</Th>
                    <Th className="text-right">Completed 7d</Th>
                    <Th className="text-right">Exited 7d</Th>
                    <Th className="text-right">Failed 7d</Th>
                    <Th />
                  </tr>
                </thead>
                <tbody>
                  {data.map((journey) => (
                    <Tr key={journey.id}>
                      <Td>
                        <Link
                          to="/journeys/$journeyId"
                          params={{ journeyId: journey.id }}
                          search={{}}
                          className="font-medium text-zinc-900 hover:text-brand-600"
                        >
                          {journey.name ?? journey.id}
                        </Link>
                        <div className="font-mono text-xs text-zinc-500">{journey.id}</div>
                      </Td>
                      <Td>
                        {!journey.loaded ? (
                          <Badge tone="warn">not deployed</Badge>
                        ) : journey.enabled === false ? (
                          <Badge tone="neutral">disabled</Badge>
                        ) : (
                          <Badge tone="good">enabled</Badge>
                        )}
                        {journey.enabledOverride !== null ? (
                          <div className="mt-1 text-xs text-zinc-500">runtime override</div>
                        ) : null}
                      </Td>
                      <Td>
                        <div className="flex flex-wrap gap-1">
                          {Object.entries(journey.runs).map(([status, n]) => (
                            <span key={status} className="flex items-center gap-1">
                              <StatusBadge status={status} />
                              <span className="text-xs tabular-nums">{formatNumber(n)}</span>
                            </span>
                          ))}
                          {Object.keys(journey.runs).length === 0 ? (
                            <span className="text-xs text-zinc-400">none</span>
                          ) : null}
                        </div>
                      </Td>
                      <Td>
                        <div className="flex flex-col gap-0.5 text-xs">
                          {Object.entries(journey.skips).map(([reason, n]) => (
                            <span key={reason}>
                              {reason}: <span className="tabular-nums">{formatNumber(n)}</span>
                            </span>
                          ))}
                          {Object.keys(journey.skips).length === 0 ? (
                            <span className="text-zinc-400">—</span>
                          ) : null}
                        </div>
                      </Td>
                      <Td className="text-right tabular-nums">{formatNumber(journey.last7Days.entered)}</Td>
                      <Td className="text-right tabular-nums">{formatNumber(journey.last7Days.completed)}</Td>
                      <Td className="text-right tabular-nums">{formatNumber(journey.last7Days.exited)}</Td>
                      <Td className="text-right tabular-nums">{formatNumber(journey.last7Days.failed)}</Td>
                      <Td>{journey.loaded ? <EnableToggle journey={journey} /> : null}</Td>
                    </Tr>
                  ))}
                </tbody>
              </Table>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
