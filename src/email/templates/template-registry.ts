import { ErrorCodes, HogsendError } from "../../errors.js";
import { EMAIL_CATEGORIES, type EmailTemplate } from "./email-template.js";
import { parseFrequencyCaps, type ResolvedFrequencyCaps } from "./frequency-caps.js";

/**
 * The templates one process sends, built from the project's config by the composition root and handed to
 * everything that validates or renders (send, delivery, admin routes, CLI). There is no process-wide registry.
 */
export interface TemplateRegistry {
  has(key: string): boolean;
  /** The template for `key`, or TEMPLATE_NOT_FOUND naming the key and the keys that exist. */
  get(key: string): EmailTemplate;
  list(): readonly EmailTemplate[];
  /** The categories templates may use: the built-in three plus the config's own. */
  readonly categories: readonly string[];
  /** The config's `frequencyCaps`, validated, by category (empty: nothing is capped). */
  readonly frequencyCaps: ResolvedFrequencyCaps;
}

export interface TemplateRegistryOptions {
  /** Extra categories beyond transactional/product/marketing. */
  categories?: readonly string[] | undefined;
  /** `defineConfig({ frequencyCaps })`: per-category caps, checked against the categories. */
  frequencyCaps?: unknown;
  /** Where the templates came from (the config file), named in errors. */
  source?: string | undefined;
}

/**
 * Builds a registry from a list of templates (or a record of them). Fails with CONFIG_INVALID naming the source
 * and the key on anything that is not a template, a duplicate key, or a category the config does not declare.
 */
export function createTemplateRegistry(
  templates: readonly unknown[] | Readonly<Record<string, unknown>> = [],
  options: TemplateRegistryOptions = {},
): TemplateRegistry {
  const where = options.source ? ` in ${options.source}` : "";
  const categories = [...EMAIL_CATEGORIES, ...(options.categories ?? [])];
  const byKey = new Map<string, EmailTemplate>();
  const entries = Array.isArray(templates)
    ? templates.map((t, i) => [`templates[${i}]`, t] as const)
    : Object.entries(templates).map(([name, t]) => [`templates.${name}`, t] as const);
  for (const [position, candidate] of entries) {
    if (!isTemplate(candidate)) {
      throw new HogsendError(
        ErrorCodes.CONFIG_INVALID,
        `${position}${where} is not a template: define it with defineTemplate({ key, category, props, component })`,
        { details: { source: options.source, entry: position } },
      );
    }
    const { key, category } = candidate;
    if (byKey.has(key)) {
      throw new HogsendError(ErrorCodes.CONFIG_INVALID, `Two templates${where} share the key "${key}"`, {
        details: { source: options.source, template: key },
      });
    }
    if (!categories.includes(category)) {
      throw new HogsendError(
        ErrorCodes.CONFIG_INVALID,
        `Template "${key}"${where} has unknown category "${category}"; known: ${categories.join(", ")} ` +
          "(declare more with defineConfig({ categories }))",
        { details: { source: options.source, template: key, category } },
      );
    }
    byKey.set(key, candidate);
  }
  const frequencyCaps = parseFrequencyCaps(options.frequencyCaps, categories, options.source);
  return {
    categories,
    frequencyCaps,
    has: (key) => byKey.has(key),
    list: () => [...byKey.values()],
    get(key) {
      const template = byKey.get(key);
      if (!template) {
        throw new HogsendError(
          ErrorCodes.TEMPLATE_NOT_FOUND,
          `Unknown email template "${key}". Known templates: ${[...byKey.keys()].join(", ") || "(none)"}`,
          { details: { template: key } },
        );
      }
      return template;
    },
  };
}

function isTemplate(value: unknown): value is EmailTemplate {
  if (typeof value !== "object" || value === null) return false;
  const t = value as Partial<EmailTemplate>;
  return (
    typeof t.key === "string" &&
    t.key.length > 0 &&
    typeof t.category === "string" &&
    typeof t.component === "function" &&
    typeof (t.props as { safeParse?: unknown } | undefined)?.safeParse === "function"
  );
}

/**
 * A registry with Hogsend's own templates added to a project's (the alert email), refusing a project template
 * that takes one of their keys.
 */
export function withBuiltInTemplates(
  base: TemplateRegistry,
  builtIns: readonly EmailTemplate[],
): TemplateRegistry {
  const own = new Map(builtIns.map((template) => [template.key, template]));
  for (const key of own.keys()) {
    if (base.has(key)) {
      throw new HogsendError(ErrorCodes.CONFIG_INVALID, `The template key "${key}" is reserved by Hogsend`, {
        details: { template: key },
      });
    }
  }
  return {
    categories: base.categories,
    frequencyCaps: base.frequencyCaps,
    has: (key) => own.has(key) || base.has(key),
    list: () => [...base.list(), ...own.values()],
    get: (key) => own.get(key) ?? base.get(key),
  };
}
