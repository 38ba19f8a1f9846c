import { createHash } from "node:crypto";
import { NonRetryableError } from "./journey-errors.js";

/** What `ctx.variant` journals: the arm and the weights it was drawn from. */
export interface VariantPick<A extends string> {
  arm: A;
  weights: Record<string, number>;
  /** The user's point in [0, 1) for this (journey, user, experiment): the same point on every call. */
  bucket: number;
}

/**
 * Deterministic arm assignment: sha256 of `journeyId:userId:name` → a point in [0, 1) (first 6 bytes), placed on
 * the cumulative weights. Independent of time, process and call order, so any worker (or a replay without the
 * journal) assigns the same arm; different experiment names are independent draws.
 */
export function pickVariant<A extends string>(
  who: { journeyId: string; userId: string; name: string },
  arms: readonly A[] | Readonly<Record<A, number>>,
): VariantPick<A> {
  const weights = normalise(who.name, arms);
  const digest = createHash("sha256").update(`${who.journeyId}:${who.userId}:${who.name}`).digest();
  const bucket = digest.readUIntBE(0, 6) / 2 ** 48;
  const total = Object.values(weights).reduce((sum, w) => sum + w, 0);
  let cumulative = 0;
  const entries = Object.entries(weights);
  for (const [arm, weight] of entries) {
    cumulative += weight / total;
    if (bucket < cumulative) return { arm: arm as A, weights, bucket };
  }
  // Rounding can leave the last sliver uncovered: it belongs to the last arm.
  return { arm: entries[entries.length - 1]?.[0] as A, weights, bucket };
}

function normalise(name: string, arms: readonly string[] | Readonly<Record<string, number>>) {
  const fail = (why: string) => new NonRetryableError(`ctx.variant("${name}"): ${why}`);
  if (typeof name !== "string" || name === "") throw fail("the name must be a non-empty string");
  const weights: Record<string, number> = {};
  if (Array.isArray(arms)) {
    if (arms.length === 0) throw fail("give at least one arm");
    for (const arm of arms) {
      if (typeof arm !== "string" || arm === "") throw fail("arms must be non-empty strings");
      if (arm in weights) throw fail(`arm "${arm}" is listed twice`);
      weights[arm] = 1;
    }
    return weights;
  }
  if (typeof arms !== "object" || arms === null) throw fail("arms must be a list or { arm: weight }");
  for (const [arm, weight] of Object.entries(arms)) {
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
      throw fail(`the weight of "${arm}" must be a finite number ≥ 0`);
    }
    if (weight > 0) weights[arm] = weight;
  }
  if (Object.keys(weights).length === 0) throw fail("give at least one arm with a positive weight");
  return weights;
}
