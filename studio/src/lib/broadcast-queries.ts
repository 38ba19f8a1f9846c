import { useQuery } from "@tanstack/react-query";
import { admin, unwrap } from "./api";
import { useCursorPages } from "./cursor-pages";

/** One query-key factory for broadcasts: a mutation invalidates `all`, a page reads `list` or `detail`. */
export const broadcastKeys = {
  all: ["broadcasts"] as const,
  list: (status: string | undefined) => ["broadcasts", "list", status ?? "any"] as const,
  detail: (id: string) => ["broadcasts", "detail", id] as const,
  preview: (id: string) => ["broadcasts", "preview", id] as const,
};

// The server's statuses, by the list route's own query type: a status the server drops fails tsc -p studio, and so
// does one it adds (the filter would not offer it). The array is the filter's options, in lifecycle order.
type ListQuery = Parameters<typeof admin.broadcasts.$get>[0]["query"];
export type BroadcastStatus = NonNullable<ListQuery["status"]>;
export const BROADCAST_STATUSES = [
  "draft",
  "scheduled",
  "materializing",
  "sending",
  "sent",
  "cancelled",
] as const satisfies readonly BroadcastStatus[];
const everyStatusListed: Exclude<BroadcastStatus, (typeof BROADCAST_STATUSES)[number]> extends never
  ? true
  : never = true;
void everyStatusListed;

const fetchBroadcasts = (status: BroadcastStatus | undefined, cursor: string | undefined) => {
  const query: ListQuery = { limit: "100" };
  if (status) query.status = status;
  if (cursor) query.cursor = cursor;
  return unwrap(admin.broadcasts.$get({ query }));
};
const fetchBroadcast = (id: string) => unwrap(admin.broadcasts[":id"].$get({ param: { id } }));

export type BroadcastRow = Awaited<ReturnType<typeof fetchBroadcast>>["data"];
export type BroadcastStatsRow = BroadcastRow["stats"];

/** Whether a worker is (or is about to be) working the broadcast, so its stats move and are worth re-reading. */
export function isLive(b: Pick<BroadcastRow, "status" | "scheduledAt">, now = Date.now()): boolean {
  if (b.status === "materializing" || b.status === "sending") return true;
  return b.status === "scheduled" && b.scheduledAt !== null && new Date(b.scheduledAt).getTime() <= now;
}

/** Re-read every 1.5 s while a broadcast goes out, every 10 s while one waits for its time, else not at all. */
export function liveInterval(
  rows: ReadonlyArray<Pick<BroadcastRow, "status" | "scheduledAt">>,
): number | false {
  if (rows.some((b) => isLive(b))) return 1_500;
  return rows.some((b) => b.status === "scheduled") ? 10_000 : false;
}

/** The broadcasts, newest first, a page at a time; the first page re-read while one of its broadcasts is live. */
export function useBroadcasts(status: BroadcastStatus | undefined) {
  return useCursorPages({
    queryKey: broadcastKeys.list(status),
    fetchPage: (cursor) => fetchBroadcasts(status, cursor),
    refetchInterval: liveInterval,
  });
}

export function useBroadcast(id: string) {
  return useQuery({
    queryKey: broadcastKeys.detail(id),
    queryFn: () => fetchBroadcast(id),
    refetchInterval: (query) => liveInterval(query.state.data ? [query.state.data.data] : []),
  });
}
