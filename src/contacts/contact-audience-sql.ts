import type { SqlParams } from "../db/sql-params.js";

/**
 * SQL predicates over a `contacts` row (aliased `alias`), for audience filters compiled into one statement by
 * their user (broadcasts). The contacts table's owner writes them, so its columns stay known in one module.
 */

export type ContactPropertyOperator =
  | "eq"
  | "neq"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "exists"
  | "not_exists"
  | "contains"
  | "not_contains";

export interface ContactPropertyPredicate {
  /** A property name or dotted path (`plan.tier`). */
  property: string;
  operator: ContactPropertyOperator;
  value?: string | number | boolean | undefined;
}

// A number stored as a JSON number, or as a numeric string (sources often send "42"): compared as numbers, the
// way journey conditions compare them.
const numericOf = (e: string) =>
  `(CASE WHEN jsonb_typeof(${e}) = 'number' THEN (${e} #>> '{}')::numeric
         WHEN jsonb_typeof(${e}) = 'string' AND (${e} #>> '{}') ~ '^\\s*-?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,3})?\\s*$'
           THEN trim(${e} #>> '{}')::numeric END)`;

const COMPARE = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

/** True when the contact's property satisfies the predicate; a missing property satisfies only the negative ones. */
export function contactPropertySql(params: SqlParams, alias: string, p: ContactPropertyPredicate): string {
  const e = `(${alias}.properties #> ${params.add(p.property.split("."), "::text[]")})`;
  const v = p.value;
  switch (p.operator) {
    case "exists":
      return `(${e} IS NOT NULL AND ${e} <> 'null'::jsonb)`;
    case "not_exists":
      return `(${e} IS NULL OR ${e} = 'null'::jsonb)`;
    case "eq":
      return equals(params, e, v);
    case "neq":
      return `(${equals(params, e, v)}) IS NOT TRUE`;
    case "contains":
      return contains(params, e, v);
    case "not_contains":
      return `(${contains(params, e, v)}) IS NOT TRUE`;
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      // ISO dates compare correctly as strings; numbers as numbers.
      return typeof v === "number"
        ? `(${numericOf(e)} ${COMPARE[p.operator]} ${params.add(v, "::numeric")})`
        : `(jsonb_typeof(${e}) = 'string' AND (${e} #>> '{}') ${COMPARE[p.operator]} ${params.add(String(v), "::text")})`;
  }
}

function equals(params: SqlParams, e: string, v: ContactPropertyPredicate["value"]): string {
  if (typeof v === "number") return `(${numericOf(e)} = ${params.add(v, "::numeric")})`;
  if (typeof v === "boolean") return `(${e} = to_jsonb(${params.add(v, "::boolean")}))`;
  return `(${e} = to_jsonb(${params.add(String(v ?? ""), "::text")}))`;
}

function contains(params: SqlParams, e: string, v: ContactPropertyPredicate["value"]): string {
  const text = params.add(String(v ?? ""), "::text");
  const item = params.add(JSON.stringify(v ?? ""), "::jsonb");
  return `((jsonb_typeof(${e}) = 'string' AND strpos(${e} #>> '{}', ${text}) > 0)
          OR (jsonb_typeof(${e}) = 'array' AND ${e} @> jsonb_build_array(${item})))`;
}

/** A contact mail can go to: it has an address and has not unsubscribed from everything. */
export function contactReachableSql(alias: string): string {
  return `(${alias}.email IS NOT NULL AND ${alias}.email <> '' AND ${alias}.unsubscribed_at IS NULL)`;
}

/** The FROM of an audience statement: every contact, as `alias`. */
export function contactsFromSql(alias: string): string {
  return `contacts ${alias}`;
}

/**
 * The FROM of one keyset page of an audience statement: the next `limit` contacts after `after` (by user id, the
 * primary key's order), as `alias`, with the columns the predicates read. A page costs the same at any depth and
 * whatever the filter matches, so a paged walk is linear in the contacts table.
 */
export function contactPageSql(
  params: SqlParams,
  alias: string,
  after: string | null,
  limit: number,
): string {
  const cursor = params.add(after, "::text");
  return `(SELECT user_id, email, unsubscribed_at, properties FROM contacts
            WHERE (${cursor} IS NULL OR user_id > ${cursor}) ORDER BY user_id LIMIT ${params.add(limit, "::int")}) ${alias}`;
}
