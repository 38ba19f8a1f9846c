import { describe, expect, it } from "vitest";
import { buildLiftReport, MIN_CONVERSIONS } from "./lift-report.js";
import { logGamma, winProbability } from "./win-probability.js";

/**
 * P(X > Y) for X ~ Beta(1 + xc, 1 + xn − xc), Y likewise, by numeric integration on a midpoint grid — a different
 * method from the closed-form sum under test: densities normalised by their grid sums (no gamma function at all),
 * the CDF of Y by cumulative sums, then Σ f_X(x) F_Y(x).
 */
function integrateWinProbability(x: { entered: number; converted: number }, y: typeof x): number {
  const n = 200_000;
  const density = (g: typeof x) => {
    const a = g.converted;
    const b = g.entered - g.converted;
    const logs = Array.from({ length: n }, (_, i) => {
      const p = (i + 0.5) / n;
      return a * Math.log(p) + b * Math.log(1 - p);
    });
    const max = logs.reduce((m, l) => (l > m ? l : m), Number.NEGATIVE_INFINITY);
    const raw = logs.map((l) => Math.exp(l - max));
    const total = raw.reduce((s, v) => s + v, 0);
    return raw.map((v) => v / total);
  };
  const fx = density(x);
  const fy = density(y);
  let cdf = 0;
  let p = 0;
  for (let i = 0; i < n; i++) {
    const here = fy[i] as number;
    p += (fx[i] as number) * (cdf + here / 2);
    cdf += here;
  }
  return p;
}

describe("winProbability", () => {
  it("matches hand-computed values", () => {
    // Beta(2,1) vs Beta(1,2): ∫ 2x (1 − (1 − x)²) dx = 4/3 − 1/2 = 5/6.
    expect(winProbability({ entered: 1, converted: 1 }, { entered: 1, converted: 0 })).toBeCloseTo(5 / 6, 12);
    expect(winProbability({ entered: 1, converted: 0 }, { entered: 1, converted: 1 })).toBeCloseTo(1 / 6, 12);
    // Identical posteriors: exactly even.
    expect(winProbability({ entered: 300, converted: 40 }, { entered: 300, converted: 40 })).toBeCloseTo(
      0.5,
      12,
    );
  });

  it("agrees with numeric integration", () => {
    const cases = [
      [
        { entered: 1000, converted: 150 },
        { entered: 200, converted: 20 },
      ],
      [
        { entered: 500, converted: 60 },
        { entered: 200, converted: 20 },
      ],
      [
        { entered: 80, converted: 12 },
        { entered: 90, converted: 15 },
      ],
      [
        { entered: 20_000, converted: 2_100 },
        { entered: 2_000, converted: 190 },
      ],
    ] as const;
    for (const [t, c] of cases) {
      expect(winProbability(t, c)).toBeCloseTo(integrateWinProbability(t, c), 5);
    }
  });

  it("stays exact and quick at a million users", () => {
    const started = performance.now();
    const p = winProbability(
      { entered: 1_000_000, converted: 100_500 },
      { entered: 1_000_000, converted: 100_000 },
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(p).toBeGreaterThan(0.8);
    expect(p).toBeLessThan(0.9);
  });

  it("logGamma is ln((n − 1)!) on integers", () => {
    let factorial = 1;
    for (let n = 1; n < 25; n++) {
      expect(logGamma(n)).toBeCloseTo(Math.log(factorial), 10);
      factorial *= n;
    }
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
});

describe("buildLiftReport", () => {
  it("reports the hand-computed fixture", () => {
    const report = buildLiftReport({
      hasGoal: true,
      control: { entered: 200, converted: 20 },
      treatment: { entered: 1000, converted: 150 },
      variants: [
        { experiment: "subject", arm: "long", entered: 500, converted: 60 },
        { experiment: "subject", arm: "short", entered: 500, converted: 90 },
        { experiment: "tone", arm: "warm", entered: 40, converted: 5 },
      ],
    });
    expect(report.minimumConversions).toBe(10);
    expect(report.control).toEqual({ entered: 200, converted: 20, conversionRate: 0.1 });
    expect(report.treatment).toMatchObject({ conversionRate: 0.15, hiddenReason: null });
    expect(report.treatment.lift?.absolute).toBeCloseTo(0.05, 12);
    expect(report.treatment.lift?.relative).toBeCloseTo(0.5, 12);
    expect(report.treatment.lift?.winProbability).toBeCloseTo(
      integrateWinProbability({ entered: 1000, converted: 150 }, { entered: 200, converted: 20 }),
      5,
    );
    const [long, short, warm] = report.variants;
    expect(long?.lift?.absolute).toBeCloseTo(0.02, 12);
    expect(long?.lift?.relative).toBeCloseTo(0.2, 12);
    expect(short?.lift?.absolute).toBeCloseTo(0.08, 12);
    expect(short?.lift?.relative).toBeCloseTo(0.8, 12);
    expect(short?.lift?.winProbability).toBeGreaterThan(long?.lift?.winProbability ?? 1);
    expect(warm).toMatchObject({
      conversionRate: 0.125,
      lift: null,
      hiddenReason: "below_minimum_conversions",
    });
  });

  it("hides lift below the minimum on either side, without a holdout, and without a goal", () => {
    const base = { variants: [], treatment: { entered: 500, converted: 80 } };
    const few = MIN_CONVERSIONS - 1;
    expect(
      buildLiftReport({ ...base, hasGoal: true, control: { entered: 100, converted: few } }).treatment,
    ).toMatchObject({ lift: null, hiddenReason: "below_minimum_conversions" });
    expect(
      buildLiftReport({
        hasGoal: true,
        variants: [],
        control: { entered: 100, converted: 30 },
        treatment: { entered: 100, converted: few },
      }).treatment,
    ).toMatchObject({ lift: null, hiddenReason: "below_minimum_conversions" });
    expect(
      buildLiftReport({
        hasGoal: true,
        variants: [],
        control: { entered: 100, converted: MIN_CONVERSIONS },
        treatment: { entered: 100, converted: MIN_CONVERSIONS },
      }).treatment.lift,
    ).not.toBeNull();
    expect(
      buildLiftReport({ ...base, hasGoal: true, control: { entered: 0, converted: 0 } }).treatment,
    ).toMatchObject({ lift: null, hiddenReason: "no_holdout" });
    expect(
      buildLiftReport({ ...base, hasGoal: false, control: { entered: 100, converted: 50 } }).treatment,
    ).toMatchObject({ hiddenReason: "no_goal", conversionRate: 0.16 });
  });
});
