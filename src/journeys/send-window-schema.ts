// The shapes a journey may name (meta.sendWindow, a send's sendWindow): pure, loaded with the journey's meta.
import { z } from "zod";
import { isValidTimeZone, parseClockTime, WEEKDAYS } from "../lib/zoned-time.js";

const clockTime = z.string().refine((v) => parseClockTime(v) !== undefined, 'must be a 24-hour time "HH:MM"');

/** A zone the journey names (`"contact"` or an IANA id Intl knows). */
export const timeZoneChoice = z
  .string()
  .refine(
    (v) => v === "contact" || isValidTimeZone(v),
    'must be "contact" or an IANA time zone such as "Europe/Berlin"',
  );

export const sendWindowSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1, "must list at least one day").optional(),
    start: clockTime,
    end: clockTime,
    timezone: timeZoneChoice.optional(),
  })
  .strict()
  .refine((w) => w.start !== w.end, { message: "start and end must differ", path: ["end"] });
