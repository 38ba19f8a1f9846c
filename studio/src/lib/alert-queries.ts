import { useQuery } from "@tanstack/react-query";
import { admin, unwrap } from "./api";
import { useCursorPages } from "./cursor-pages";

/** One query-key factory for alerts: the resume invalidates `all`; the page and the nav badge share `current`. */
export const alertKeys = {
  all: ["alerts"] as const,
  current: ["alerts", "current"] as const,
  history: ["alerts", "history"] as const,
};

const HISTORY_PAGE = "50";

const fetchAlerts = () => unwrap(admin.alerts.$get());
const fetchHistory = (cursor: string | undefined) =>
  unwrap(
    admin.alerts.history.$get({ query: cursor ? { limit: HISTORY_PAGE, cursor } : { limit: HISTORY_PAGE } }),
  );

export type AlertRow = Awaited<ReturnType<typeof fetchAlerts>>["data"]["alerts"][number];
export type SendingRow = Awaited<ReturnType<typeof fetchAlerts>>["data"]["sending"];
export type AlertEventRow = Awaited<ReturnType<typeof fetchHistory>>["data"][number];

/** Every rule's state and the sending switch; re-read every 15 s (the evaluator runs each minute by default). */
export function useAlerts() {
  return useQuery({ queryKey: alertKeys.current, queryFn: fetchAlerts, refetchInterval: 15_000 });
}

/** The transitions, newest first, a page at a time along the API's cursor. */
export function useAlertHistory() {
  return useCursorPages({ queryKey: alertKeys.history, fetchPage: fetchHistory });
}
