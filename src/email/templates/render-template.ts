import { render, toPlainText } from "@react-email/render";
import { ErrorCodes, HogsendError } from "../../errors.js";
import type { EmailCategory, EmailTemplate, TemplateContact } from "./email-template.js";
import type { TemplateRegistry } from "./template-registry.js";

export interface RenderedTemplate {
  html: string;
  text: string;
  category: EmailCategory;
}

const NO_CONTACT_PROPERTIES: Record<string, unknown> = {};

/**
 * The props a template renders with: the contact's properties overlaid with the explicit `props` (explicit props
 * win), parsed by the template's schema. A contact property the schema refuses is dropped (a contact's
 * `firstName: 42` must not stop its email); a refused explicit prop is VALIDATION_FAILED naming it.
 */
export function resolveTemplateProps(
  template: EmailTemplate,
  props: unknown,
  contactProperties: Record<string, unknown> = NO_CONTACT_PROPERTIES,
): Record<string, unknown> {
  const explicit = (props ?? {}) as Record<string, unknown>;
  let input: Record<string, unknown> = { ...contactProperties, ...explicit };
  let parsed = template.props.safeParse(input);
  if (!parsed.success && contactProperties !== NO_CONTACT_PROPERTIES) {
    const refused = new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? "")));
    input = { ...explicit };
    for (const [key, value] of Object.entries(contactProperties)) {
      if (!refused.has(key) && !(key in explicit)) input[key] = value;
    }
    parsed = template.props.safeParse(input);
  }
  if (!parsed.success) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `Invalid props for template "${template.key}"`, {
      details: parsed.error.issues.map((issue) => ({
        path: ["props", ...issue.path],
        message: issue.message,
      })),
    });
  }
  return parsed.data as Record<string, unknown>;
}

/** The template's own subject for these resolved props, if it declares one. */
export function templateSubject(
  template: EmailTemplate,
  resolved: Record<string, unknown>,
): string | undefined {
  if (template.subject === undefined) return undefined;
  return typeof template.subject === "string" ? template.subject : template.subject(resolved);
}

export type RenderTemplate = (
  key: string,
  props: unknown,
  contact?: TemplateContact | undefined,
) => Promise<RenderedTemplate>;

const NO_CONTACT: TemplateContact = { id: null, email: "", properties: {} };

/** Renders resolved props; `readContact` says whether the component looked at the contact. */
async function renderResolved(
  template: EmailTemplate,
  resolved: Record<string, unknown>,
  contact: TemplateContact,
): Promise<{ rendered: RenderedTemplate; readContact: boolean }> {
  let readContact = false;
  const context = {
    get contact() {
      readContact = true;
      return contact;
    },
  };
  const html = await render(template.component(resolved, context));
  return { rendered: { html, text: toPlainText(html), category: template.category }, readContact };
}

/**
 * Renders a template of `registry` to HTML and plain text. The text is derived from the HTML (one React render,
 * not two), which is what mail clients without HTML show and what spam filters expect next to it.
 */
export function createRenderTemplate(registry: TemplateRegistry): RenderTemplate {
  return async (key, props, contact) => {
    const template = registry.get(key);
    const resolved = resolveTemplateProps(template, props, contact?.properties);
    return (await renderResolved(template, resolved, contact ?? NO_CONTACT)).rendered;
  };
}

/**
 * Renders behind a small LRU. A render costs a few milliseconds of CPU (React plus html-to-text), which would cap
 * delivery near 200 emails/s per core; lifecycle mail mostly repeats the same few prop sets, and templates are
 * pure functions of their inputs, so the cache makes that cost rare. The key is the template and its resolved
 * props (contact properties already merged in); the contact itself joins the key only for templates whose
 * component reads `context.contact`, learned from their first render (until then nothing is shared).
 */
export function createTemplateRenderer(registry: TemplateRegistry, capacity = 500): RenderTemplate {
  const cache = new Map<string, Promise<RenderedTemplate>>();
  const readsContact = new Map<string, boolean>();
  return (key, props, contact) => {
    let template: EmailTemplate;
    let resolved: Record<string, unknown>;
    try {
      template = registry.get(key);
      resolved = resolveTemplateProps(template, props, contact?.properties);
    } catch (error) {
      return Promise.reject(error);
    }
    const who = contact ?? NO_CONTACT;
    const known = readsContact.get(key);
    const cacheKey = JSON.stringify(known === false ? [key, resolved] : [key, resolved, who.id, who.email]);
    const hit = cache.get(cacheKey);
    if (hit) {
      cache.delete(cacheKey);
      cache.set(cacheKey, hit);
      return hit;
    }
    const rendering = renderResolved(template, resolved, who).then(({ rendered, readContact }) => {
      if (!readsContact.get(key)) readsContact.set(key, readContact);
      return rendered;
    });
    cache.set(cacheKey, rendering);
    // A failed render is not cached: the next call reports the error afresh.
    rendering.catch(() => cache.delete(cacheKey));
    if (cache.size > capacity) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return rendering;
  };
}
