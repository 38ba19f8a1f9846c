import type { Database } from "../../src/db/database.js";

export type TableSnapshot = Record<string, string>;

/**
 * A function that reads, for every table in the public schema, its row count and the newest xmin among its rows:
 * an insert or delete changes the count and an insert or update changes the newest xmin, so comparing two
 * snapshots shows whether anything was written in between. Tables in `countOnly` have legitimate updates on
 * requests that are refused (api_keys.last_used_at), so only their row count is compared.
 *
 * Reading every table scans them all, so a read is skipped when Postgres's transaction snapshot (xmin, xmax and
 * the transactions in progress) is the one of the previous read: then no transaction has committed or started
 * writing in between, and every table reads as it did.
 */
export async function createTableSnapshot(
  db: Database,
  countOnly: readonly string[] = [],
): Promise<() => Promise<TableSnapshot>> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const columns = tables.rows.map(({ table_name: name }) => {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    const xmin = countOnly.includes(name) ? "''" : "coalesce(max(xmin::text::bigint), 0)::text";
    return `(SELECT count(*)::text || ':' || ${xmin} FROM public.${quoted}) AS ${quoted}`;
  });
  const sql = `SELECT ${columns.join(", ")}`;
  let last: { xact: string; tables: TableSnapshot } | undefined;
  return async () => {
    const xact = (await db.query<{ s: string }>("SELECT pg_current_snapshot()::text AS s")).rows[0]?.s ?? "";
    if (last && last.xact === xact) return last.tables;
    const tables = (await db.query<TableSnapshot>(sql)).rows[0] ?? {};
    last = { xact, tables };
    return tables;
  };
}

/** Tables whose count or newest xmin differ, as `table: before -> after`. */
export function diffSnapshots(before: TableSnapshot, after: TableSnapshot): string[] {
  return Object.keys(after)
    .filter((table) => before[table] !== after[table])
    .map((table) => `${table}: ${before[table]} -> ${after[table]}`);
}
