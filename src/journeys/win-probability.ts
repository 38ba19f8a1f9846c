/**
 * P(treatment's conversion rate > control's) under Beta(1, 1) priors, exactly: with posteriors Beta(a₁, b₁) for
 * treatment and Beta(a₂, b₂) for control (a = conversions + 1, b = non-conversions + 1), the probability is the
 * finite sum (Evan Miller, "Formulas for Bayesian A/B testing"; Cook 2005)
 *
 *   P(p₁ > p₂) = Σ_{i=0}^{a₁−1} B(a₂+i, b₁+b₂) / ((b₁+i) · B(1+i, b₁) · B(a₂, b₂))
 *
 * summed in log space. No sampling and no RNG: the same counts give the same number everywhere. The sum runs over
 * the smaller group's conversions (P(p₁ > p₂) = 1 − P(p₂ > p₁), ties having probability zero), so its cost is
 * O(min(conversions)) log-gamma calls: a few milliseconds at a million conversions.
 */
export function winProbability(
  treatment: { entered: number; converted: number },
  control: { entered: number; converted: number },
): number {
  const t = posterior(treatment);
  const c = posterior(control);
  if (t.a <= c.a) return clamp(greaterThan(t, c));
  return clamp(1 - greaterThan(c, t));
}

interface BetaParams {
  a: number;
  b: number;
}

function posterior(group: { entered: number; converted: number }): BetaParams {
  return { a: group.converted + 1, b: group.entered - group.converted + 1 };
}

/** P(X > Y) for X ~ Beta(x.a, x.b), Y ~ Beta(y.a, y.b), x.a a positive integer: a sum of x.a terms. */
function greaterThan(x: BetaParams, y: BetaParams): number {
  const base = logBeta(y.a, y.b);
  let sum = 0;
  for (let i = 0; i < x.a; i++) {
    sum += Math.exp(logBeta(y.a + i, x.b + y.b) - Math.log(x.b + i) - logBeta(1 + i, x.b) - base);
  }
  return sum;
}

const clamp = (p: number) => Math.min(1, Math.max(0, p));

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

// Lanczos approximation (g = 7, n = 9): relative error below 1e-15 for x ≥ 0.5, which is all this file needs.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
