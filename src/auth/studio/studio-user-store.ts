import type { Queryable } from "../../db/database.js";

/** Whether Studio has any user at all (the first admin is minted only into an empty table). */
export async function hasAnyStudioUser(q: Queryable): Promise<boolean> {
  const result = await q.query<{ present: boolean }>("SELECT EXISTS (SELECT 1 FROM studio_users) AS present");
  return result.rows[0]?.present === true;
}

export async function countStudioUsers(q: Queryable): Promise<number> {
  const result = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM studio_users");
  return result.rows[0]?.n ?? 0;
}
