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

/** What the audit log keeps of a Studio user: never a password or a session. */
export interface StudioUserSnapshot {
  [key: string]: unknown;
  email: string;
  name: string;
  role: string | null;
  banned: boolean;
  banReason: string | null;
  banExpires: string | null;
}

export async function findStudioUserSnapshot(q: Queryable, id: string): Promise<StudioUserSnapshot | null> {
  const result = await q.query<{
    email: string;
    name: string;
    role: string | null;
    banned: boolean | null;
    ban_reason: string | null;
    ban_expires: Date | null;
  }>("SELECT email, name, role, banned, ban_reason, ban_expires FROM studio_users WHERE id = $1", [id]);
  const row = result.rows[0];
  if (!row) return null;
  return {
    email: row.email,
    name: row.name,
    role: row.role,
    banned: row.banned === true,
    banReason: row.ban_reason,
    banExpires: row.ban_expires?.toISOString() ?? null,
  };
}
