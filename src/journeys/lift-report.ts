import { winProbability } from "./win-probability.js";

/** Comparisons are hidden while either side has fewer conversions than this (upstream's threshold). */
export const MIN_CONVERSIONS = 10;

export interface GoalCounts {
  /** Distinct users who entered (treatment) or were held out (control). */
  entered: number;
  /** Of them, distinct users with a converted run. */
  converted: number;
}

/** Why a group's lift is not shown. */
export type LiftHiddenReason = "no_goal" | "no_holdout" | "below_minimum_conversions";

export interface LiftGroup extends GoalCounts {
  /** converted / entered; null with nobody entered. */
  conversionRate: number | null;
  /** Against the control group; null (with `hiddenReason`) until both sides have the minimum conversions. */
  lift: { absolute: number; relative: number; winProbability: number } | null;
  hiddenReason: LiftHiddenReason | null;
}

export interface LiftReport {
  minimumConversions: number;
  control: GoalCounts & { conversionRate: number | null };
  treatment: LiftGroup;
  variants: Array<LiftGroup & { experiment: string; arm: string }>;
}

/**
 * Builds the report from counts (pure): each treatment group against the control group, lift as the difference of
 * rates (absolute) and that difference over the control rate (relative), and the Bayesian probability that the
 * group's rate is above the control's (`winProbability`, Beta(1, 1) priors, exact).
 */
export function buildLiftReport(input: {
  hasGoal: boolean;
  control: GoalCounts;
  treatment: GoalCounts;
  variants: ReadonlyArray<GoalCounts & { experiment: string; arm: string }>;
}): LiftReport {
  const { control } = input;
  const compare = (group: GoalCounts): LiftGroup => {
    const conversionRate = rate(group);
    const hiddenReason: LiftHiddenReason | null = !input.hasGoal
      ? "no_goal"
      : control.entered === 0
        ? "no_holdout"
        : group.converted < MIN_CONVERSIONS || control.converted < MIN_CONVERSIONS
          ? "below_minimum_conversions"
          : null;
    if (hiddenReason !== null || conversionRate === null) {
      return { ...group, conversionRate, lift: null, hiddenReason };
    }
    // Both sides have ≥ MIN_CONVERSIONS conversions, so both rates are positive.
    const controlRate = control.converted / control.entered;
    const lift = {
      absolute: conversionRate - controlRate,
      relative: (conversionRate - controlRate) / controlRate,
      winProbability: winProbability(group, control),
    };
    return { ...group, conversionRate, lift, hiddenReason: null };
  };
  return {
    minimumConversions: MIN_CONVERSIONS,
    control: { ...control, conversionRate: rate(control) },
    treatment: compare(input.treatment),
    variants: input.variants.map((v) => ({ experiment: v.experiment, arm: v.arm, ...compare(v) })),
  };
}

const rate = (group: GoalCounts) => (group.entered === 0 ? null : group.converted / group.entered);
