import { ErrorCodes, HogsendError } from "../../errors.js";
import type { DefinedJourney } from "../../journeys/journey-types.js";
import type { TemplateRegistry } from "./template-registry.js";

// `sendEmail({ …, template: "activation/welcom" })` written as a literal inside `run`. Keys written through the
// `Templates` constants are already checked by the compiler; literals are where a typo slips through, so we read
// them off the function's source at load time (also through a bundler's `(0, mod.sendEmail)(` form). A key
// computed at run time cannot be seen here: such a send fails its run non-retryably with TEMPLATE_NOT_FOUND.
// History reads (`ctx.history.email({ template })`) are left alone: asking about a retired template is legitimate.
const LITERAL_TEMPLATE = /sendEmail\)?\s*\(\s*\{[^{}]*?\btemplate\s*:\s*(["'`])([^"'`$\\]+)\1/g;

/**
 * Rejects journeys whose code names an email template that does not exist, naming journey and key, so a typo
 * stops the worker at startup instead of failing runs days later at their first send.
 */
export function assertJourneyTemplatesExist(
  journeys: readonly DefinedJourney[],
  templates: TemplateRegistry,
  source?: string,
): void {
  const problems: string[] = [];
  for (const journey of journeys) {
    for (const match of String(journey.run).matchAll(LITERAL_TEMPLATE)) {
      const key = match[2] ?? "";
      if (!templates.has(key)) problems.push(`journey "${journey.meta.id}" sends unknown template "${key}"`);
    }
  }
  if (problems.length === 0) return;
  throw new HogsendError(
    ErrorCodes.TEMPLATE_NOT_FOUND,
    `${source ? `${source}: ` : ""}${problems.join("; ")}. Known templates: ${
      templates
        .list()
        .map((t) => t.key)
        .join(", ") || "(none)"
    }`,
    { details: { source, problems } },
  );
}
