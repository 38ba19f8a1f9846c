import { useQuery } from "@tanstack/react-query";
import { admin, unwrap } from "../lib/api";
import { formatNumber, formatPercent } from "../lib/format";
import { Card, CardHeader } from "../ui/card";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

type Lift = { absolute: number; relative: number; winProbability: number } | null;
type Row = {
  label: string;
  entered: number;
  converted: number;
  conversionRate: number | null;
  lift?: Lift;
  hiddenReason?: string | null;
};

const HIDDEN: Record<string, string> = {
  no_goal: "no goal",
  no_holdout: "no holdout",
  below_minimum_conversions: "too few conversions",
};

export const liftKeys = { detail: (journeyId: string) => ["lift", journeyId] as const };

/** Goal conversions and lift against the holdout, for the journey detail page. */
export function LiftCard({ journeyId }: { journeyId: string }) {
  const lift = useQuery({
    queryKey: liftKeys.detail(journeyId),
    queryFn: () => unwrap(admin.journeys[":journeyId"].lift.$get({ param: { journeyId } })),
  });
  return (
    <Card>
      <CardHeader title="Goal and lift">
        Users who met the goal, against the held-out control group
      </CardHeader>
      <QueryView query={lift}>
        {({ data }) => {
          if (data.goal === null) {
            return (
              <Empty title="No goal set">
                Add <code>goal: {"{ event, within }"}</code> (and <code>holdout: 0.1</code> for a control
                group) to this journey's meta to measure whether it works.
              </Empty>
            );
          }
          const rows: Row[] = [
            { label: "Entered the journey", ...data.treatment },
            ...data.variants.map((v) => ({ ...v, label: `${v.experiment}: ${v.arm}` })),
            { label: "Held out (control)", ...data.control },
          ];
          return (
            <>
              <Table data-testid="lift">
                <thead>
                  <tr>
                    <Th>Group</Th>
                    <Th>Users</Th>
                    <Th>Converted</Th>
                    <Th>Rate</Th>
                    <Th>Lift</Th>
                    <Th>Chance to beat control</Th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <Tr key={row.label}>
                      <Td>{row.label}</Td>
                      <Td className="tabular-nums">{formatNumber(row.entered)}</Td>
                      <Td className="tabular-nums">{formatNumber(row.converted)}</Td>
                      <Td className="tabular-nums">{formatPercent(row.conversionRate, 1)}</Td>
                      <LiftCells row={row} />
                    </Tr>
                  ))}
                </tbody>
              </Table>
              <p className="px-4 pb-3 pt-2 text-xs text-zinc-500">
                Goal <code>{(data.goal as { event?: string }).event}</code>; lift is shown once a group and
                the control each have {data.minimumConversions} conversions.
              </p>
            </>
          );
        }}
      </QueryView>
    </Card>
  );
}

function LiftCells({ row }: { row: Row }) {
  if (row.lift === undefined) return <Td colSpan={2} className="text-xs text-zinc-400" />;
  if (row.lift === null) {
    return (
      <Td colSpan={2} className="text-xs text-zinc-500">
        {HIDDEN[row.hiddenReason ?? ""] ?? "—"}
      </Td>
    );
  }
  const sign = row.lift.absolute >= 0 ? "+" : "";
  return (
    <>
      <Td className="tabular-nums">
        {sign}
        {formatPercent(row.lift.absolute, 1)} ({sign}
        {formatPercent(row.lift.relative, 0)})
      </Td>
      <Td className="tabular-nums">{formatPercent(row.lift.winProbability, 0)}</Td>
    </>
  );
}
