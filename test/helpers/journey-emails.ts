import { loadConfig } from "../../src/config.js";
import type { Queryable } from "../../src/db/database.js";
import { composeEmail } from "../../src/email/outbox/compose-email.js";
import { createRenderTemplate } from "../../src/email/templates/render-template.js";
import { exampleTemplates } from "./example-templates.js";

const renderTemplate = createRenderTemplate(exampleTemplates);

/** Config for composing journey emails the way the delivery loop does, with a public HTTPS URL. */
export const journeyEmailConfig = loadConfig({
  NODE_ENV: "test",
  API_PUBLIC_URL: "https://hogsend.example.com",
  HOGSEND_POSTAL_ADDRESS: "Hogsend Inc., 1 Example Way",
});

export interface JourneyEmail {
  id: string;
  to: string;
  userId: string | null;
  journeyId: string | null;
  template: string;
  subject: string;
  category: string | null;
  props: Record<string, unknown>;
  status: string;
  statusReason: string | null;
  /** Virtual time of the send. */
  at: string;
}

/** The outbox rows a user's journeys wrote, in send order. */
export async function journeyEmails(q: Queryable, userId: string): Promise<JourneyEmail[]> {
  const result = await q.query<{
    id: string;
    to_email: string;
    user_id: string | null;
    journey_id: string | null;
    template: string;
    subject: string;
    category: string | null;
    props: Record<string, unknown>;
    status: string;
    status_reason: string | null;
    created_at: Date;
  }>(
    `SELECT id, to_email, user_id, journey_id, template, subject, category, props, status, status_reason, created_at
       FROM messages WHERE user_id = $1 ORDER BY created_at, run_position`,
    [userId],
  );
  return result.rows.map((row) => ({
    id: row.id,
    to: row.to_email,
    userId: row.user_id,
    journeyId: row.journey_id,
    template: row.template,
    subject: row.subject,
    category: row.category,
    props: row.props,
    status: row.status,
    statusReason: row.status_reason,
    at: row.created_at.toISOString(),
  }));
}

/** The headers the delivery loop would put on this email (List-Unsubscribe and friends). */
export async function composedHeaders(email: JourneyEmail): Promise<Record<string, string>> {
  const composed = await composeEmail(
    {
      messageId: email.id,
      to: email.to,
      from: journeyEmailConfig.email.from,
      userId: email.userId,
      template: email.template,
      subject: email.subject,
      props: email.props,
    },
    { config: journeyEmailConfig, render: renderTemplate },
  );
  return composed.headers;
}
