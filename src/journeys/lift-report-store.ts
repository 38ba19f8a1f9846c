import type { Queryable } from "../db/database.js";
import type { JourneyGoal } from "./journey-types.js";
import { buildLiftReport, type GoalCounts, type LiftReport } from "./lift-report.js";

/**
 * The lift report's counts for one journey, per user (a user who entered twice counts once, so a held-out user,
 * who re-enters on every trigger of an `unlimited` journey, weighs the same as a treated one, who is blocked by
 * already_active meanwhile): held out or not, and per ctx.variant arm. A read of the journey's runs through
 * `journey_runs_journey`, on demand (the report's route), not a page-load counter.
 */
export async function readGoalCounts(
  q: Queryable,
  journeyId: string,
): Promise<{
  control: GoalCounts;
  treatment: GoalCounts;
  variants: Array<GoalCounts & { experiment: string; arm: string }>;
}> {
  const groups = await q.query<{ held_out: boolean; entered: number; converted: number }>(
    `SELECT status = 'held_out' AS held_out, count(DISTINCT user_id)::int AS entered,
            count(DISTINCT user_id) FILTER (WHERE converted_at IS NOT NULL)::int AS converted
       FROM journey_runs WHERE journey_id = $1 GROUP BY 1`,
    [journeyId],
  );
  const arms = await q.query<{ experiment: string; arm: string; entered: number; converted: number }>(
    `SELECT v.key AS experiment, v.value AS arm, count(DISTINCT r.user_id)::int AS entered,
            count(DISTINCT r.user_id) FILTER (WHERE r.converted_at IS NOT NULL)::int AS converted
       FROM journey_runs r CROSS JOIN LATERAL jsonb_each_text(r.variants) AS v(key, value)
      WHERE r.journey_id = $1 AND r.variants <> '{}'::jsonb
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [journeyId],
  );
  const of = (heldOut: boolean): GoalCounts => {
    const row = groups.rows.find((r) => r.held_out === heldOut);
    return { entered: row?.entered ?? 0, converted: row?.converted ?? 0 };
  };
  return { control: of(true), treatment: of(false), variants: arms.rows };
}

/** The lift report of one journey: its counts through `buildLiftReport`, with the goal and holdout it ran with. */
export async function readLiftReport(
  q: Queryable,
  journeyId: string,
  meta: { goal?: JourneyGoal | undefined; holdout?: number | undefined } | undefined,
): Promise<LiftReport & { journeyId: string; goal: JourneyGoal | null; holdout: number | null }> {
  const counts = await readGoalCounts(q, journeyId);
  const report = buildLiftReport({ hasGoal: meta?.goal !== undefined, ...counts });
  return { journeyId, goal: meta?.goal ?? null, holdout: meta?.holdout ?? null, ...report };
}
