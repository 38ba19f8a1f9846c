import { describe, expect, it } from "vitest";
import { isValidTimeZone, nextWallClock, nextWindowOpening, parseClockTime } from "./zoned-time.js";

const iso = (d: Date | null) => d?.toISOString() ?? null;
const at = (s: string) => new Date(s);
const office = { start: "09:00", end: "18:00" };

describe("isValidTimeZone / parseClockTime", () => {
  it("accepts IANA ids Intl knows and refuses everything else", () => {
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone(42)).toBe(false);
    expect(isValidTimeZone("x".repeat(65))).toBe(false);
  });

  it("reads 24-hour HH:MM only", () => {
    expect(parseClockTime("09:05")).toEqual({ hour: 9, minute: 5 });
    expect(parseClockTime("23:59")).toEqual({ hour: 23, minute: 59 });
    expect(parseClockTime("24:00")).toBeUndefined();
    expect(parseClockTime("9:00")).toBeUndefined();
    expect(parseClockTime("09:60")).toBeUndefined();
  });
});

describe("nextWallClock", () => {
  it("finds the next local time today, or tomorrow once it has passed", () => {
    // 02:00 in Berlin (CEST, +2) → 09:00 the same day.
    expect(iso(nextWallClock(at("2026-06-10T00:00:00Z"), { hour: 9 }, "Europe/Berlin"))).toBe(
      "2026-06-10T07:00:00.000Z",
    );
    // 10:00 Berlin → 09:00 tomorrow; exactly 09:00 → now.
    expect(iso(nextWallClock(at("2026-06-10T08:00:00Z"), { hour: 9 }, "Europe/Berlin"))).toBe(
      "2026-06-11T07:00:00.000Z",
    );
    expect(iso(nextWallClock(at("2026-06-10T07:00:00Z"), { hour: 9 }, "Europe/Berlin"))).toBe(
      "2026-06-10T07:00:00.000Z",
    );
  });

  it("finds the next weekday, this week's when it is still ahead", () => {
    // Wednesday 10:00 Berlin → Monday 15 June 09:30.
    expect(
      iso(
        nextWallClock(at("2026-06-10T08:00:00Z"), { hour: 9, minute: 30, weekday: "mon" }, "Europe/Berlin"),
      ),
    ).toBe("2026-06-15T07:30:00.000Z");
    // Wednesday 10:00 → Wednesday 11:00 the same day.
    expect(
      iso(nextWallClock(at("2026-06-10T08:00:00Z"), { hour: 11, weekday: "wed" }, "Europe/Berlin")),
    ).toBe("2026-06-10T09:00:00.000Z");
  });

  it("moves a time inside a spring-forward gap to just after it", () => {
    // New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist → 03:30 EDT (07:30Z).
    expect(iso(nextWallClock(at("2026-03-08T06:00:00Z"), { hour: 2, minute: 30 }, "America/New_York"))).toBe(
      "2026-03-08T07:30:00.000Z",
    );
  });

  it("takes the first of the two instants of a fall-back overlap, and never a second one the same night", () => {
    // New York, 1 November 2026: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(iso(nextWallClock(at("2026-11-01T04:00:00Z"), { hour: 1, minute: 30 }, "America/New_York"))).toBe(
      "2026-11-01T05:30:00.000Z",
    );
    // After the first 01:30 has passed, the next is tomorrow's (EST), not the repeat an hour later.
    expect(iso(nextWallClock(at("2026-11-01T05:45:00Z"), { hour: 1, minute: 30 }, "America/New_York"))).toBe(
      "2026-11-02T06:30:00.000Z",
    );
  });
});

describe("nextWindowOpening", () => {
  it("is null inside the window and the next opening outside it", () => {
    // 12:00 in New York (EST, -5) in January: open.
    expect(nextWindowOpening(at("2030-01-02T17:00:00Z"), office, "America/New_York")).toBeNull();
    // 02:00 → 09:00 the same day; 18:00 (end is exclusive) → 09:00 tomorrow.
    expect(iso(nextWindowOpening(at("2030-01-02T07:00:00Z"), office, "America/New_York"))).toBe(
      "2030-01-02T14:00:00.000Z",
    );
    expect(iso(nextWindowOpening(at("2030-01-02T23:00:00Z"), office, "America/New_York"))).toBe(
      "2030-01-03T14:00:00.000Z",
    );
  });

  it("skips days not listed (Friday evening → Monday morning)", () => {
    const weekdays = { ...office, days: ["mon", "tue", "wed", "thu", "fri"] as const };
    // Friday 4 January 2030, 19:00 Berlin (CET, +1).
    expect(iso(nextWindowOpening(at("2030-01-04T18:00:00Z"), weekdays, "Europe/Berlin"))).toBe(
      "2030-01-07T08:00:00.000Z",
    );
    // Saturday noon is closed too.
    expect(iso(nextWindowOpening(at("2030-01-05T11:00:00Z"), weekdays, "Europe/Berlin"))).toBe(
      "2030-01-07T08:00:00.000Z",
    );
  });

  it("runs an overnight window past midnight, opening on its listed day", () => {
    const night = { start: "22:00", end: "06:00", days: ["mon"] as const };
    // Tuesday 03:00 UTC: Monday's night window is still open.
    expect(nextWindowOpening(at("2030-01-08T03:00:00Z"), night, "UTC")).toBeNull();
    // Tuesday 07:00: closed until next Monday 22:00.
    expect(iso(nextWindowOpening(at("2030-01-08T07:00:00Z"), night, "UTC"))).toBe("2030-01-14T22:00:00.000Z");
  });

  it("waits across a spring-forward change: 01:30 local → 09:00 local is 6.5 hours, not 7.5", () => {
    // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST. 01:30 CET = 00:30Z; 09:00 CEST = 07:00Z.
    expect(iso(nextWindowOpening(at("2026-03-29T00:30:00Z"), office, "Europe/Berlin"))).toBe(
      "2026-03-29T07:00:00.000Z",
    );
    // A window opening inside the gap opens when the gap ends (02:30 → 03:30 CEST = 01:30Z).
    expect(
      iso(nextWindowOpening(at("2026-03-29T00:30:00Z"), { start: "02:30", end: "05:00" }, "Europe/Berlin")),
    ).toBe("2026-03-29T01:30:00.000Z");
  });

  it("waits across a fall-back change: 02:00 local (first) → 09:00 local is 8 hours", () => {
    // Berlin, 25 October 2026: 03:00 CEST falls back to 02:00 CET. 02:00 CEST = 00:00Z; 09:00 CET = 08:00Z.
    expect(iso(nextWindowOpening(at("2026-10-25T00:00:00Z"), office, "Europe/Berlin"))).toBe(
      "2026-10-25T08:00:00.000Z",
    );
    // The repeated hour (02:00–03:00 CET, 01:00Z–02:00Z) is still outside the window.
    expect(iso(nextWindowOpening(at("2026-10-25T01:30:00Z"), office, "Europe/Berlin"))).toBe(
      "2026-10-25T08:00:00.000Z",
    );
  });

  it("throws on an invalid zone or time (validated earlier; the schema names the field)", () => {
    expect(() => nextWindowOpening(at("2030-01-01T00:00:00Z"), office, "Mars/Base")).toThrow();
    expect(() =>
      nextWindowOpening(at("2030-01-01T00:00:00Z"), { start: "9am", end: "18:00" }, "UTC"),
    ).toThrow(/HH:MM/);
  });
});
