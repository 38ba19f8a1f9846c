/**
 * Time ranges Hogsend accepts. Postgres timestamptz reaches from 4713 BC to 294276 AD, but JavaScript Dates
 * outside 0001–9999 serialise as `-000001-…` / `+010000-…`, which Postgres rejects, and year 0 does not exist
 * there: bounding dates to 1970–9999 keeps every accepted date storable and sortable.
 */
export const EARLIEST_TIME_MS = Date.UTC(1970, 0, 1);
export const LATEST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** An event time further ahead than this is a client clock bug, not a future event. */
export const MAX_EVENT_FUTURE_MS = 24 * 60 * 60 * 1000;

export const EVENT_TIME_FORMAT_REASON = "must be an ISO 8601 string or epoch milliseconds";

/** True for a valid Date within 1970-01-01 .. 9999-12-31. */
export function isStorableDate(date: Date): boolean {
  const ms = date.getTime();
  return ms >= EARLIEST_TIME_MS && ms <= LATEST_TIME_MS;
}

/** A date string or epoch milliseconds as a storable Date, or undefined (unparseable or out of range). */
export function toStorableDate(value: string | number): Date | undefined {
  const date = new Date(value);
  return isStorableDate(date) ? date : undefined;
}

/**
 * When an event happened, from an ISO 8601 string or epoch milliseconds: between 1970-01-01 and a day after
 * `now`. Returns the Date, or the reason it is refused.
 */
export function checkEventTime(value: string | number, now: Date): { date: Date } | { reason: string } {
  const date = new Date(value);
  const ms = date.getTime();
  if (Number.isNaN(ms)) return { reason: EVENT_TIME_FORMAT_REASON };
  if (ms < EARLIEST_TIME_MS) return { reason: "is before 1970-01-01" };
  if (ms - now.getTime() > MAX_EVENT_FUTURE_MS) return { reason: "is more than 24 hours in the future" };
  return { date };
}
