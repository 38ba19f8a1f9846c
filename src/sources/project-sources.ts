import { ErrorCodes, HogsendError } from "../errors.js";
import {
  type PostHogSourceOptions,
  SOURCE_ID_PATTERN,
  type StripeSourceOptions,
  type WebhookSource,
} from "./define-webhook-source.js";

export const BUILT_IN_SOURCES = ["posthog", "stripe", "segment"] as const;

/** What a project says about sources: its own, and options of the built-ins. */
export interface ProjectSources {
  custom: readonly WebhookSource[];
  posthog?: PostHogSourceOptions | undefined;
  stripe?: StripeSourceOptions | undefined;
}

/** Checks a config's `sources`: each a source with a valid, unique id that is not a built-in's. */
export function checkProjectSources(
  config: { sources?: unknown; posthog?: unknown; stripe?: unknown },
  file: string,
): ProjectSources {
  const raw = config.sources ?? [];
  if (!Array.isArray(raw)) {
    throw new HogsendError(
      ErrorCodes.CONFIG_INVALID,
      `${file}: \`sources\` must be an array of webhook sources`,
    );
  }
  const seen = new Set<string>();
  for (const [index, source] of raw.entries()) {
    const s = source as Partial<WebhookSource> | null;
    const where = `${file}: sources[${index}]`;
    if (
      typeof s !== "object" ||
      s === null ||
      typeof s.verify !== "function" ||
      typeof s.map !== "function"
    ) {
      throw new HogsendError(
        ErrorCodes.CONFIG_INVALID,
        `${where} must be defineWebhookSource({ id, verify, map })`,
      );
    }
    if (typeof s.id !== "string" || !SOURCE_ID_PATTERN.test(s.id)) {
      throw new HogsendError(
        ErrorCodes.CONFIG_INVALID,
        `${where}: id must be lower-case letters, digits, - or _ (up to 64), got ${JSON.stringify(s.id)}`,
      );
    }
    if ((BUILT_IN_SOURCES as readonly string[]).includes(s.id)) {
      throw new HogsendError(ErrorCodes.CONFIG_INVALID, `${where}: "${s.id}" is a built-in source's id`);
    }
    if (seen.has(s.id))
      throw new HogsendError(ErrorCodes.CONFIG_INVALID, `${where}: duplicate source id "${s.id}"`);
    seen.add(s.id);
  }
  return {
    custom: raw as WebhookSource[],
    posthog: (config.posthog ?? undefined) as PostHogSourceOptions | undefined,
    stripe: (config.stripe ?? undefined) as StripeSourceOptions | undefined,
  };
}
