/** A span of time, as the journey SDK expresses it: `days(3)` is `{ hours: 72 }`. */
export interface DurationObject {
  readonly hours?: number;
  readonly minutes?: number;
  readonly seconds?: number;
}

/** `days(3)` → `{ hours: 72 }`. */
export function days(n: number): DurationObject {
  return { hours: n * 24 };
}

/** `hours(12)` → `{ hours: 12 }`. */
export function hours(n: number): DurationObject {
  return { hours: n };
}

/** `minutes(30)` → `{ minutes: 30 }`. */
export function minutes(n: number): DurationObject {
  return { minutes: n };
}

/** `seconds(10)` → `{ seconds: 10 }`. */
export function seconds(n: number): DurationObject {
  return { seconds: n };
}

export function durationToMs(duration: DurationObject): number {
  return ((duration.hours ?? 0) * 3600 + (duration.minutes ?? 0) * 60 + (duration.seconds ?? 0)) * 1000;
}

export function isDurationObject(value: unknown): value is DurationObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 0) return false;
  return keys.every((key) => {
    const n = (value as Record<string, unknown>)[key];
    return (
      (key === "hours" || key === "minutes" || key === "seconds") &&
      typeof n === "number" &&
      Number.isFinite(n) &&
      n >= 0
    );
  });
}
