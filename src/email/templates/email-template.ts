import type { ReactElement } from "react";
import type { z } from "zod";

/**
 * The built-in kinds of mail. `transactional` mail (receipts, payment problems) is exempt from unsubscribe but
 * not from suppression; every other category (`product`, `marketing`, and any a project adds in its config's
 * `categories`) carries List-Unsubscribe and honours category preferences.
 */
export const EMAIL_CATEGORIES = ["transactional", "product", "marketing"] as const;
/** A built-in category, or one a project declares in `defineConfig({ categories })`. */
export type EmailCategory = (typeof EMAIL_CATEGORIES)[number] | (string & {});

/** The contact an email is for, as its template sees it. */
export interface TemplateContact {
  /** The contact's user id, or null for a transactional email to an address with no contact. */
  id: string | null;
  email: string;
  /** Properties stored on the contact (merged from `$set` / `$set_once`); `{}` when there is no contact. */
  properties: Record<string, unknown>;
}

/** What a template's component receives beside its props. */
export interface TemplateRenderContext {
  contact: TemplateContact;
}

/**
 * A React Email template registered under a key such as `activation/welcome`. `props` is a zod schema: it gives
 * the component its typed props (with defaults) and validates props arriving from journeys and `POST /v1/send`.
 *
 * Props are the contact's properties overlaid with the props the sender passed: **explicit props win**, and a
 * contact property only fills a prop the sender left out (`firstName` set by `$set` reaches
 * `component({ firstName })` without every `sendEmail` passing it). Keys the schema does not declare are dropped,
 * and a contact property that does not fit the schema is ignored rather than failing the email.
 */
export interface EmailTemplate<Schema extends z.ZodType = z.ZodType, Key extends string = string> {
  readonly key: Key;
  readonly category: EmailCategory;
  /** The subject used when a send passes none: a string, or a function of the resolved props. */
  readonly subject?: string | ((props: z.output<Schema>) => string);
  readonly description?: string;
  /** The props schema (a zod object in practice); its output is what the component receives. */
  readonly props: Schema;
  /** Example props for previews (`hogsend templates preview`, the admin API); validated like real props. */
  readonly previewProps?: z.input<Schema>;
  /**
   * Renders the email from its resolved props and the contact. It must be a pure function of those two: renders
   * are cached by them. Per-recipient policy parts (unsubscribe link, tracking) are added after rendering.
   */
  readonly component: (props: z.output<Schema>, context: TemplateRenderContext) => ReactElement;
}

/**
 * Declares a template; the identity function exists so TypeScript infers the key literal and the props type from
 * the schema. Register it in your config's `templates` array.
 *
 * @example
 * export const welcome = defineTemplate({
 *   key: "welcome",
 *   category: "product",
 *   subject: (p) => `Welcome, ${p.firstName ?? "friend"}`,
 *   props: z.object({ firstName: z.string().optional() }),
 *   component: (p, { contact }) => <Text>Hi {p.firstName ?? contact.email}</Text>,
 * });
 */
export function defineTemplate<Schema extends z.ZodType, const Key extends string>(
  template: EmailTemplate<Schema, Key>,
): EmailTemplate<Schema, Key> {
  return template;
}
