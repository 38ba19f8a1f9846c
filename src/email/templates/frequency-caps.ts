import { z } from "zod";
import { ErrorCodes, HogsendError } from "../../errors.js";
import { type DurationObject, durationToMs, isDurationObject } from "../../lib/duration.js";

/** The status reason of a send a frequency cap refused (and of the journal wait of a deferred one). */
export const FREQUENCY_CAP_REASON = "frequency_cap";

/**
 * At most `max` emails of one category to one contact in any rolling `per`, counted across every journey and
 * every transactional send of that category. `onCap`: `"skip"` records the capped send as skipped (reason
 * `frequency_cap`) and the journey goes on; `"defer"` makes a journey's send wait durably until the cap allows it
 * (sends outside journeys are skipped either way).
 */
export interface FrequencyCap {
  max: number;
  per: DurationObject;
  onCap?: "skip" | "defer";
}

/** `defineConfig({ frequencyCaps })`: one cap per category. Categories without a cap are not counted. */
export type FrequencyCaps = Readonly<Record<string, FrequencyCap>>;

const capSchema = z
  .object({
    max: z.number().int().min(1).max(1_000_000),
    per: z.custom<DurationObject>(
      (value) => isDurationObject(value) && durationToMs(value) > 0,
      "must be a positive duration such as days(7) or hours(24)",
    ),
    onCap: z.enum(["skip", "defer"]).default("skip"),
  })
  .strict();

/** Validated caps by category, as the registry carries them. */
export type ResolvedFrequencyCaps = ReadonlyMap<string, Required<FrequencyCap>>;

/**
 * Checks `defineConfig({ frequencyCaps })` against the project's categories; CONFIG_INVALID names the source and
 * every bad field.
 */
export function parseFrequencyCaps(
  raw: unknown,
  categories: readonly string[],
  source?: string,
): ResolvedFrequencyCaps {
  if (raw === undefined) return new Map();
  const where = source ? ` in ${source}` : "";
  const fail = (lines: string[]) =>
    new HogsendError(ErrorCodes.CONFIG_INVALID, `Invalid frequencyCaps${where}:\n${lines.join("\n")}`, {
      details: { source, problems: lines },
    });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw fail(["  - frequencyCaps: must be an object of category → { max, per, onCap? }"]);
  }
  const caps = new Map<string, Required<FrequencyCap>>();
  const problems: string[] = [];
  for (const [category, value] of Object.entries(raw)) {
    if (!categories.includes(category)) {
      problems.push(`  - frequencyCaps.${category}: unknown category (known: ${categories.join(", ")})`);
      continue;
    }
    const parsed = capSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`  - frequencyCaps.${[category, ...issue.path].join(".")}: ${issue.message}`);
      }
      continue;
    }
    caps.set(category, parsed.data as Required<FrequencyCap>);
  }
  if (problems.length > 0) throw fail(problems);
  return caps;
}
