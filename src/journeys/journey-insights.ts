import type { Queryable } from "../db/database.js";
import { countSkipsByReason } from "./journey-admin-store.js";
import { readJourneyCounters } from "./journey-counter-store.js";
import { loadEnabledOverrides } from "./journey-override-store.js";

/**
 * What Studio shows about journeys, read from the counters (journey_counters, kept as runs move) and the small
 * tables (skip counts, overrides): never a scan of journey_runs or journey_journal.
 */

/** The ends a run can come to, counted per day. */
const ENDS = ["completed", "exited", "failed", "cancelled"] as const;

export interface JourneyActivity {
  runs: Record<string, number>;
  skips: Record<string, number>;
  /** Entered and ended over the last 7 days (today, UTC, and the 6 days before). */
  last7Days: { entered: number; completed: number; exited: number; failed: number; cancelled: number };
  enabledOverride: boolean | null;
}

const emptyWeek = () => ({ entered: 0, completed: 0, exited: 0, failed: 0, cancelled: 0 });

/** Per journey id: runs by status, skips by reason, the last 7 days, the override. */
export async function journeyActivity(q: Queryable, now: Date): Promise<Map<string, JourneyActivity>> {
  const since = new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
  const counters = await readJourneyCounters(q, {
    counters: ["status", "entered", "ended"],
    sinceDay: since,
  });
  const skips = await countSkipsByReason(q);
  const overrides = await loadEnabledOverrides(q);
  const activity = new Map<string, JourneyActivity>();
  const of = (id: string): JourneyActivity => {
    let entry = activity.get(id);
    if (!entry) {
      entry = { runs: {}, skips: skips.get(id) ?? {}, last7Days: emptyWeek(), enabledOverride: null };
      activity.set(id, entry);
    }
    return entry;
  };
  for (const row of counters) {
    const entry = of(row.journeyId);
    if (row.counter === "status") entry.runs[row.key] = row.count;
    else if (row.counter === "entered") entry.last7Days.entered += row.count;
    else if ((ENDS as readonly string[]).includes(row.key)) {
      entry.last7Days[row.key as (typeof ENDS)[number]] += row.count;
    }
  }
  for (const id of skips.keys()) of(id);
  for (const [id, enabled] of overrides) of(id).enabledOverride = enabled;
  return activity;
}

export interface FunnelStep {
  /** The step's label (a sleep's, wait's, checkpoint's or step's label; an email's template key). */
  label: string;
  kind: string;
  /** How many times a run recorded this step. */
  reached: number;
  /** Live (active or waiting) runs at this step now. */
  current: number;
}

/** Kinds a run can be "at" (the ones that set its current step). */
const RESTING_KINDS = new Set(["sleep", "wait", "checkpoint"]);

/**
 * The per-step funnel of one journey, most reached first. `atNoStep` counts live runs that have not reached a
 * labelled sleep, wait or checkpoint yet.
 */
export async function journeyFunnel(
  q: Queryable,
  journeyId: string,
): Promise<{ steps: FunnelStep[]; atNoStep: number }> {
  const rows = await readJourneyCounters(q, { counters: ["reached", "at"], journeyId });
  const at = new Map<string, number>();
  for (const row of rows) if (row.counter === "at") at.set(row.key, row.count);
  const steps: FunnelStep[] = [];
  for (const row of rows) {
    if (row.counter !== "reached") continue;
    const split = row.key.indexOf(":");
    const kind = row.key.slice(0, split);
    const label = row.key.slice(split + 1);
    steps.push({ label, kind, reached: row.count, current: 0 });
  }
  steps.sort(
    (a, b) => b.reached - a.reached || a.label.localeCompare(b.label) || a.kind.localeCompare(b.kind),
  );
  let atNoStep = at.get("") ?? 0;
  for (const [label, count] of at) {
    if (label === "") continue;
    const step = steps.find((s) => s.label === label && RESTING_KINDS.has(s.kind));
    if (step) step.current += count;
    else atNoStep += count;
  }
  return { steps, atNoStep };
}

/** True when a journey has any counted run or skip (for telling an unknown journey from an empty one). */
export async function journeyHasHistory(q: Queryable, journeyId: string): Promise<boolean> {
  const rows = await readJourneyCounters(q, { counters: ["status"], journeyId });
  if (rows.length > 0) return true;
  return (await countSkipsByReason(q)).has(journeyId);
}

/** Runs active, sleeping (waiting with no event: a sleep) and waiting for an event, and failed, all journeys. */
export async function runTotals(q: Queryable): Promise<Record<string, number>> {
  const rows = await readJourneyCounters(q, { counters: ["status"] });
  const totals: Record<string, number> = {};
  for (const row of rows) totals[row.key] = (totals[row.key] ?? 0) + row.count;
  return totals;
}
