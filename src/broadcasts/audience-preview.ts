import type { Queryable } from "../db/database.js";
import type { Audience } from "./audience-schema.js";
import { AUDIENCE_ALIAS, compileAudience } from "./audience-sql.js";

export interface AudiencePreview {
  /** How many contacts the audience holds now. */
  count: number;
  /** The first contacts by user id. */
  sample: Array<{ userId: string; email: string }>;
}

/**
 * Counts an audience and shows a sample, with the very predicate materialisation uses (the same compile), so the
 * preview's count is what a send at this moment would reach.
 */
export async function previewAudience(
  q: Queryable,
  params: { audience: Audience; category: string; now: Date; sampleSize: number },
): Promise<AudiencePreview> {
  const counted = compileAudience(params.audience, params.category, params.now);
  const count = await q.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${counted.from} WHERE ${counted.where}`,
    counted.params.values,
  );
  const sampled = compileAudience(params.audience, params.category, params.now);
  const limit = sampled.params.add(params.sampleSize, "::int");
  const sample = await q.query<{ user_id: string; email: string }>(
    `SELECT ${AUDIENCE_ALIAS}.user_id, ${AUDIENCE_ALIAS}.email FROM ${sampled.from} WHERE ${sampled.where}
      ORDER BY ${AUDIENCE_ALIAS}.user_id LIMIT ${limit}`,
    sampled.params.values,
  );
  return {
    count: Number(count.rows[0]?.n ?? 0),
    sample: sample.rows.map((row) => ({ userId: row.user_id, email: row.email })),
  };
}
