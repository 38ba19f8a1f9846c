import type { z } from "zod";
import type { EmailTemplate } from "./email-template.js";

/**
 * Your project's types, registered by declaration merging (as TanStack Router's `Register` does). Add to your
 * `hogsend.config.ts`:
 *
 * ```ts
 * declare module "hogsend" {
 *   interface Register {
 *     templates: typeof templates; // the array (or record) you pass to defineConfig
 *   }
 * }
 * ```
 *
 * and `sendEmail({ template: "welcom" })` or a prop of the wrong type is a compile error in your editor. Without
 * it every key is a `string` and props are checked only when the email is sent.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the user's `declare module "hogsend"`.
export interface Register {}

type TemplatesOf<T> = T extends readonly (infer E)[] ? E : T extends Record<string, infer E> ? E : never;

/** The user's templates as a union, or `never` when nothing is registered. */
export type RegisteredTemplate = Register extends { templates: infer T } ? TemplatesOf<T> : never;

/** True once the project registered its templates. */
export type HasRegisteredTemplates = [RegisteredTemplate] extends [never] ? false : true;

/** Template keys the project may send: its registered keys, or any string when nothing is registered. */
export type TemplateKey = HasRegisteredTemplates extends true
  ? RegisteredTemplate extends EmailTemplate<z.ZodType, infer K>
    ? K
    : never
  : string;

/**
 * The props a send may pass for template `K`. All optional: a prop left out may come from the contact's
 * properties (explicit props win over contact properties) or from the schema's default; what is still missing
 * is refused when the email is sent.
 */
export type TemplatePropsFor<K extends string> = HasRegisteredTemplates extends true
  ? Extract<RegisteredTemplate, { readonly key: K }> extends EmailTemplate<infer S, string>
    ? Partial<z.input<S>>
    : never
  : Record<string, unknown>;
