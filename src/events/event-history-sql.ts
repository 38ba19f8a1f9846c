import type { SqlParams } from "../db/sql-params.js";

/**
 * A SQL predicate over a user's event history, for audience filters compiled into one statement (broadcasts):
 * whether the user (`userIdSql`, an expression) did `event` at or after `since` (ever, when null), under the
 * user's own id or any id merged into it (`user_aliases`), as `countUserEvents` reads it. Each probe is an index
 * lookup on events_user_event_time.
 */
export function didEventSql(
  params: SqlParams,
  userIdSql: string,
  history: { event: string; since: Date | null },
): string {
  const event = params.add(history.event, "::text");
  const since =
    history.since === null ? "" : ` AND e.occurred_at >= ${params.add(history.since, "::timestamptz")}`;
  return `(EXISTS (SELECT 1 FROM events e WHERE e.user_id = ${userIdSql} AND e.event = ${event}${since})
      OR EXISTS (SELECT 1 FROM user_aliases a JOIN events e ON e.user_id = a.alias
                  WHERE a.user_id = ${userIdSql} AND e.event = ${event}${since}))`;
}
