import type { Queryable } from "../../db/database.js";
import type { EmailProvider, OutgoingEmail, SendResult } from "./email-provider.js";

/**
 * Development provider: stores the email in `captured_emails` instead of sending it (read it with
 * `GET /v1/admin/mailbox`). Like Resend it honours the message id as an idempotency key: a second send of the
 * same message returns the first capture.
 */
export function createCaptureProvider(db: Queryable): EmailProvider {
  return {
    name: "capture",
    async send(email: OutgoingEmail): Promise<SendResult> {
      const result = await db.query<{ id: number }>(
        `WITH inserted AS (
           INSERT INTO captured_emails (message_id, to_email, from_email, subject, html, text_body, headers)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING RETURNING id)
         SELECT id FROM inserted UNION ALL SELECT id FROM captured_emails WHERE message_id = $1 LIMIT 1`,
        [email.messageId, email.to, email.from, email.subject, email.html, email.text, email.headers],
      );
      return { ok: true, providerMessageId: `capture-${result.rows[0]?.id ?? "0"}` };
    },
  };
}
