import { Temporal } from "temporal-polyfill";

/**
 * Wall-clock arithmetic in IANA time zones (send windows, `ctx.sleepUntil`). Pure functions of an instant, so
 * the engine computes a wake time once, journals it, and replays the recorded value. Local times that do not
 * exist (a spring-forward gap) move forward by the gap; local times that happen twice (a fall-back overlap) take
 * the first occurrence — Temporal's `compatible` disambiguation, the same rule as RFC 5545 calendars.
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A wall-clock time `"HH:MM"` (24 h). */
export type ClockTime = `${number}:${number}`;

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True for a time zone Intl knows (an IANA id such as `Europe/Berlin`, or `UTC`). */
export function isValidTimeZone(timeZone: unknown): boolean {
  if (typeof timeZone !== "string" || timeZone === "" || timeZone.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `"09:30"` → `{ hour: 9, minute: 30 }`, or undefined when it is not a 24-hour `HH:MM`. */
export function parseClockTime(value: unknown): { hour: number; minute: number } | undefined {
  if (typeof value !== "string") return undefined;
  const match = CLOCK_TIME.exec(value);
  if (!match) return undefined;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

function zoned(instant: Date, timeZone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(timeZone);
}

function at(date: Temporal.PlainDate, time: { hour: number; minute: number }, timeZone: string): Date {
  const local = date.toPlainDateTime({ hour: time.hour, minute: time.minute });
  const instant = local.toZonedDateTime(timeZone, { disambiguation: "compatible" });
  return new Date(instant.epochMilliseconds);
}

function weekdayOf(date: Temporal.PlainDate): Weekday {
  return WEEKDAYS[date.dayOfWeek - 1] as Weekday;
}

/** What `ctx.sleepUntil` accepts besides a Date: a wall-clock time, optionally on one weekday. */
export interface WallClockTarget {
  hour: number;
  minute?: number;
  weekday?: Weekday;
}

/**
 * The first instant at or after `now` whose wall clock in `timeZone` reads `hour:minute` (on `weekday`, when
 * given). A time skipped by a DST gap resolves to the moment after the gap, never to a past instant.
 */
export function nextWallClock(now: Date, target: WallClockTarget, timeZone: string): Date {
  const today = zoned(now, timeZone).toPlainDate();
  const time = { hour: target.hour, minute: target.minute ?? 0 };
  for (let offset = 0; offset <= 8; offset++) {
    const date = today.add({ days: offset });
    if (target.weekday !== undefined && weekdayOf(date) !== target.weekday) continue;
    const candidate = at(date, time, timeZone);
    if (candidate.getTime() >= now.getTime()) return candidate;
  }
  // Unreachable: within 8 local days a matching weekday lies in the future.
  throw new Error(`no ${target.weekday ?? "day"} at ${time.hour}:${time.minute} in ${timeZone} after ${now}`);
}

/** When sending is allowed, in the recipient's (or a named) time zone. */
export interface SendWindowSpec {
  /** Days the window opens on (local days of the window's start). Default: every day. */
  days?: readonly Weekday[];
  /** Local opening time, `"HH:MM"`. */
  start: string;
  /** Local closing time, `"HH:MM"` (exclusive). Earlier than `start` means the window runs past midnight. */
  end: string;
}

/**
 * Null when `now` is inside the window; otherwise the instant the window next opens. A window whose end is before
 * its start runs overnight (`22:00`–`06:00` opens on its listed day and closes the next morning).
 */
export function nextWindowOpening(now: Date, window: SendWindowSpec, timeZone: string): Date | null {
  const start = parseClockTime(window.start);
  const end = parseClockTime(window.end);
  if (!start || !end) throw new Error(`send window ${window.start}–${window.end}: times must be "HH:MM"`);
  const overnight = end.hour * 60 + end.minute <= start.hour * 60 + start.minute;
  const days = new Set(window.days ?? WEEKDAYS);
  const today = zoned(now, timeZone).toPlainDate();
  const t = now.getTime();
  // Yesterday's overnight window may still be open; within 8 local days a listed day opens again.
  for (let offset = -1; offset <= 8; offset++) {
    const date = today.add({ days: offset });
    if (!days.has(weekdayOf(date))) continue;
    const opens = at(date, start, timeZone).getTime();
    const closes = at(overnight ? date.add({ days: 1 }) : date, end, timeZone).getTime();
    if (opens <= t && t < closes) return null;
    if (opens > t) return new Date(opens);
  }
  throw new Error("send window has no day to open on");
}
