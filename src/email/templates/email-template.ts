import type { ReactElement } from "react";
import type { z } from "zod";

/**
 * What kind of mail a template is. `transactional` mail (receipts, payment problems) is exempt from unsubscribe but
 * not from suppression; `product` and `marketing` carry List-Unsubscribe and honour category preferences.
 */
export const EMAIL_CATEGORIES = ["transactional", "product", "marketing"] as const;
export type EmailCategory = (typeof EMAIL_CATEGORIES)[number];

/**
 * A React Email template registered under a key such as `activation/welcome`. `props` is a zod schema: it gives
 * the component its typed props (with defaults) and validates props arriving from journeys and `POST /v1/send`.
 */
export interface EmailTemplate<Schema extends z.ZodType = z.ZodType> {
  readonly key: string;
  readonly category: EmailCategory;
  readonly description: string;
  readonly props: Schema;
  /** Example props for previews; validated like real props. */
  readonly previewProps: z.input<Schema>;
  /**
   * Renders the email. It receives its props and nothing else (not the recipient, not the subject): a template is a
   * pure function of its props, so renders are cached and shared by every email with the same props; personalise
   * through props (`firstName`). Per-recipient parts (unsubscribe link, tracking) are added after rendering.
   */
  readonly component: (props: z.output<Schema>) => ReactElement;
}

/** Declares a template; the identity function exists so TypeScript infers the props type from the schema. */
export function defineTemplate<Schema extends z.ZodType>(
  template: EmailTemplate<Schema>,
): EmailTemplate<Schema> {
  return template;
}
