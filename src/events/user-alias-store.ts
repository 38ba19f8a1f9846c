import type { Queryable } from "../db/database.js";

/**
 * The owner of `user_aliases`: identity merges (a PostHog anonymous distinct_id, a Stripe customer as
 * `stripe:cus_…`) pointing at the known user. Sources write and resolve through it inside their delivery's
 * transaction; ctx.history reads a user's events under the user and every alias (event-store.ts).
 */

export interface UserAlias {
  alias: string;
  userId: string;
}

/**
 * Serialises identity work on these ids for the rest of the transaction (advisory locks, taken in sorted order so
 * two deliveries cannot deadlock). A delivery that stores events under an id and one that merges that id both take
 * it, so an event is either committed before the merge (stored under the alias, read through it) or resolved to
 * the user after it — never stored under the alias by a transaction that could not see a committed merge.
 */
export async function lockIdentities(q: Queryable, ids: readonly string[]): Promise<void> {
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return;
  await q.query("SELECT pg_advisory_xact_lock(7357, hashtext(id)) FROM unnest($1::text[]) AS t(id)", [
    sorted,
  ]);
}

/** alias → user for the ids that are aliases; ids that are not are absent. */
export async function resolveAliases(q: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const result = await q.query<{ alias: string; user_id: string }>(
    "SELECT alias, user_id FROM user_aliases WHERE alias = ANY($1::text[])",
    [unique],
  );
  return new Map(result.rows.map((row) => [row.alias, row.user_id]));
}

/**
 * Records merges, first one wins (an alias already merged keeps its user, as PostHog refuses to re-merge an
 * identified person). The target is itself resolved, so aliases stay one level deep. Returns the merges written.
 */
export async function addAliases(
  q: Queryable,
  aliases: readonly UserAlias[],
  source: string,
): Promise<UserAlias[]> {
  if (aliases.length === 0) return [];
  const targets = await resolveAliases(
    q,
    aliases.map((a) => a.userId),
  );
  const rows = aliases
    .map((a) => ({ alias: a.alias, userId: targets.get(a.userId) ?? a.userId }))
    .filter((a) => a.alias !== a.userId);
  if (rows.length === 0) return [];
  const result = await q.query<{ alias: string; user_id: string }>(
    `INSERT INTO user_aliases (alias, user_id, source)
     SELECT alias, user_id, $3 FROM unnest($1::text[], $2::text[]) AS t(alias, user_id)
     ON CONFLICT (alias) DO NOTHING RETURNING alias, user_id`,
    [rows.map((r) => r.alias), rows.map((r) => r.userId), source],
  );
  return result.rows.map((row) => ({ alias: row.alias, userId: row.user_id }));
}

/** Every alias of a user (admin profile, erase). */
export async function aliasesOfUser(q: Queryable, userId: string): Promise<string[]> {
  const result = await q.query<{ alias: string }>(
    "SELECT alias FROM user_aliases WHERE user_id = $1 ORDER BY alias",
    [userId],
  );
  return result.rows.map((row) => row.alias);
}
