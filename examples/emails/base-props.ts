import { z } from "zod";

/** Props every shipped template accepts: a greeting name and where the call to action points. */
export const baseProps = {
  firstName: z.string().min(1).max(100).optional(),
  // http(s) only: a link in an email with a `javascript:`, `data:` or `file:` target is an attack, never a CTA.
  appUrl: z.url({ protocol: /^https?$/ }).default("https://app.hogsend.localhost"),
  productName: z.string().min(1).max(100).default("Hogsend"),
};

export function greeting(firstName: string | undefined): string {
  return firstName ? `Hi ${firstName},` : "Hi there,";
}
