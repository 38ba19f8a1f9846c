import { createHash } from "node:crypto";

/**
 * The user's point in [0, 1) for a journey's holdout: sha256 of `holdout NUL journeyId NUL userId` (first 6 bytes).
 * A hash, not a draw: every router, every batch and every re-entry puts the same (journey, user) on the same
 * point, so a user stays in control (or not) for as long as the fraction stays. NUL cannot occur in a journey id,
 * so this never collides with a `ctx.variant` point (`journeyId:userId:name`): the two draws are independent.
 */
export function holdoutBucket(journeyId: string, userId: string): number {
  const digest = createHash("sha256").update(`holdout\u0000${journeyId}\u0000${userId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** True when the user belongs to the journey's control group for a `holdout` fraction (0 or absent: never). */
export function isHeldOut(journeyId: string, userId: string, holdout: number | undefined): boolean {
  if (holdout === undefined || holdout <= 0) return false;
  return holdoutBucket(journeyId, userId) < holdout;
}
