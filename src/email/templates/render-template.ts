import { render, toPlainText } from "@react-email/render";
import { ErrorCodes, HogsendError } from "../../errors.js";
import type { EmailCategory } from "./email-template.js";
import { getTemplate } from "./template-registry.js";

export interface RenderedTemplate {
  html: string;
  text: string;
  category: EmailCategory;
}

/** Validates `props` against the template's schema; VALIDATION_FAILED names each bad prop. */
export function parseTemplateProps(key: string, props: unknown): Record<string, unknown> {
  const template = getTemplate(key);
  const parsed = template.props.safeParse(props ?? {});
  if (!parsed.success) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `Invalid props for template "${key}"`, {
      details: parsed.error.issues.map((issue) => ({
        path: ["props", ...issue.path],
        message: issue.message,
      })),
    });
  }
  return parsed.data as Record<string, unknown>;
}

/**
 * Renders a template to HTML and plain text. The text is derived from the HTML (one React render, not two), which
 * is what mail clients without HTML show and what spam filters expect next to it.
 */
export async function renderTemplate(key: string, props: unknown): Promise<RenderedTemplate> {
  const template = getTemplate(key);
  const parsed = parseTemplateProps(key, props);
  const html = await render(template.component(parsed));
  return { html, text: toPlainText(html), category: template.category };
}

/**
 * `renderTemplate` behind a small LRU keyed by (template, props). A render costs a few milliseconds of
 * CPU (React plus html-to-text), which would cap delivery near 200 emails/s per core; lifecycle mail mostly repeats
 * the same few prop sets, and templates are pure functions of their inputs, so the cache makes that cost rare.
 */
export function createTemplateRenderer(capacity = 500): typeof renderTemplate {
  const cache = new Map<string, Promise<RenderedTemplate>>();
  return (key, props) => {
    const cacheKey = JSON.stringify([key, props ?? {}]);
    const hit = cache.get(cacheKey);
    if (hit) {
      cache.delete(cacheKey);
      cache.set(cacheKey, hit);
      return hit;
    }
    const rendered = renderTemplate(key, props);
    cache.set(cacheKey, rendered);
    // A failed render is not cached: the next call reports the error afresh.
    rendered.catch(() => cache.delete(cacheKey));
    if (cache.size > capacity) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return rendered;
  };
}
