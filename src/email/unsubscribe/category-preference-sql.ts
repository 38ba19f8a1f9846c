import type { SqlParams } from "../../db/sql-params.js";

/**
 * A SQL predicate for audience filters compiled into one statement (broadcasts): the user (`userIdSql`, an
 * expression) has not unsubscribed from `category` in the preference center. The global unsubscribe is the
 * contact's (contacts/contact-audience-sql.ts).
 */
export function subscribedToCategorySql(params: SqlParams, userIdSql: string, category: string): string {
  return `NOT EXISTS (SELECT 1 FROM email_preferences p WHERE p.user_id = ${userIdSql}
                        AND p.category = ${params.add(category, "::text")} AND p.unsubscribed_at IS NOT NULL)`;
}
