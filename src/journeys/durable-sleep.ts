import type { Queryable } from "../db/database.js";
import type { ContextExecution } from "./journey-context.js";

/** The journal record of a sleep to a computed time (`ctx.sleepUntil`, a send window's wait). */
export interface TimedSleepRecord {
  sleptAt: string;
  wakeAt: string;
  /** False when the time had already come: the run went straight on. */
  waited: boolean;
  resumedAt?: string;
  [detail: string]: unknown;
}

export interface TimedSleepResult {
  sleptAt: string;
  wakeAt: string;
  resumedAt: string;
  detail: Record<string, unknown>;
}

/**
 * A durable sleep whose wake time `decide` computes at the first execution only: the decision (and whatever
 * `detail` explains it — the zone, the window) is journaled, and every replay reads it back. A wake time already
 * reached is journaled too (with the next commit), so replays take the same journal positions.
 */
export async function sleepUntilDecided(
  execution: ContextExecution,
  kind: string,
  label: string,
  nodeId: string,
  decide: (now: Date, q: Queryable) => Promise<{ wakeAt: Date | null; detail: Record<string, unknown> }>,
): Promise<TimedSleepResult> {
  const { position, recorded } = execution.next(kind, label);
  const now = execution.now();
  if (!recorded) {
    const { wakeAt, detail } = await decide(now, execution.db);
    if (wakeAt === null || wakeAt.getTime() <= now.getTime()) {
      const at = now.toISOString();
      const record: TimedSleepRecord = { ...detail, sleptAt: at, wakeAt: at, waited: false, resumedAt: at };
      execution.buffer({ position, kind, label, result: record });
      return { sleptAt: at, wakeAt: at, resumedAt: at, detail };
    }
    const record: TimedSleepRecord = {
      ...detail,
      sleptAt: now.toISOString(),
      wakeAt: wakeAt.toISOString(),
      waited: true,
    };
    await execution.commit({ type: "sleep", wakeAt }, [{ position, kind, label, result: record }], {
      nodeId,
    });
    return execution.stop({ type: "suspended", dueAt: wakeAt });
  }
  const record = recorded.result as TimedSleepRecord;
  const { sleptAt, wakeAt: wakeIso, waited: _waited, resumedAt, ...detail } = record;
  const wakeAt = new Date(wakeIso);
  if (now < wakeAt) {
    await execution.commit({ type: "sleep", wakeAt }, []);
    return execution.stop({ type: "suspended", dueAt: wakeAt });
  }
  if (resumedAt === undefined) {
    execution.buffer({ ...recorded, result: { ...record, resumedAt: now.toISOString() } });
    return { sleptAt, wakeAt: wakeIso, resumedAt: now.toISOString(), detail };
  }
  return { sleptAt, wakeAt: wakeIso, resumedAt, detail };
}
