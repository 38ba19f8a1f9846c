import { describe, expect, it } from "vitest";
import { checkEventTime, isStorableDate, toStorableDate } from "./timestamp-range.js";

const now = new Date("2026-06-01T12:00:00Z");

describe("checkEventTime", () => {
  it("accepts ISO strings and epoch milliseconds from 1970 to a day ahead", () => {
    expect(checkEventTime("2026-05-31T00:00:00Z", now)).toEqual({ date: new Date("2026-05-31T00:00:00Z") });
    expect(checkEventTime(0, now)).toEqual({ date: new Date(0) });
    expect(checkEventTime(now.getTime() + 23 * 3_600_000, now)).toHaveProperty("date");
  });

  it("refuses what Postgres cannot store or a client clock got wrong", () => {
    const refused: Array<string | number> = [
      "0000-01-01T00:00:00Z",
      "-000001-01-01T00:00:00Z",
      "-271821-04-20T00:00:00.000Z",
      -62_167_219_200_000,
      -8_640_000_000_000_000,
      -1,
      "1969-12-31T23:59:59Z",
    ];
    for (const value of refused)
      expect(checkEventTime(value, now), String(value)).toEqual({ reason: "is before 1970-01-01" });
    expect(checkEventTime("+275760-09-13T00:00:00.000Z", now)).toEqual({
      reason: "is more than 24 hours in the future",
    });
    expect(checkEventTime(1e21, now)).toEqual({ reason: "must be an ISO 8601 string or epoch milliseconds" });
    expect(checkEventTime("yesterday-ish", now)).toHaveProperty("reason");
  });
});

describe("storable dates", () => {
  it("keeps 1970 to 9999 and nothing else", () => {
    expect(isStorableDate(new Date("9999-12-31T23:59:59.999Z"))).toBe(true);
    expect(isStorableDate(new Date("9999-12-31T23:59:59-14:00"))).toBe(false);
    expect(isStorableDate(new Date(Number.NaN))).toBe(false);
    expect(toStorableDate("0000-01-01")).toBeUndefined();
    expect(toStorableDate("2026-01-01")).toEqual(new Date("2026-01-01"));
  });
});
