import { z } from "zod";
import type { EmailTemplate } from "./email-template.js";

const cache = new WeakMap<EmailTemplate, Record<string, unknown> | null>();

/**
 * A template's props as JSON Schema (draft 2020-12, the input side: what a sender may pass), for Studio's props
 * editor. Parts JSON Schema cannot express (transforms, custom checks) become `{}` (anything); a schema that
 * cannot be converted at all gives null. Computed once per template.
 */
export function templatePropsSchema(template: EmailTemplate): Record<string, unknown> | null {
  if (cache.has(template)) return cache.get(template) ?? null;
  let schema: Record<string, unknown> | null;
  try {
    schema = z.toJSONSchema(template.props, { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
  } catch {
    schema = null;
  }
  cache.set(template, schema);
  return schema;
}
