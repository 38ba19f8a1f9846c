import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database } from "../db/database.js";
import { enqueueEmail, type SendEmailResult } from "./send-email.js";
import type { TemplateRegistry } from "./templates/template-registry.js";

/**
 * Queues a test email of a template to an address, through the outbox like any send (so suppression and the
 * provider behave as in production), audited in the same transaction. Props default to the template's example
 * props; the subject to the template's own (or `Test: <key>` for a template without one).
 */
export async function sendTestEmail(
  db: Database,
  templates: TemplateRegistry,
  input: {
    key: string;
    to: string;
    props?: Record<string, unknown> | undefined;
    subject?: string | undefined;
  },
  audit: AuditContext,
): Promise<SendEmailResult> {
  const template = templates.get(input.key);
  const props = input.props ?? (template.previewProps as Record<string, unknown> | undefined) ?? {};
  return db.transaction(async (tx) => {
    const { created: _created, ...sent } = await enqueueEmail(tx, templates, {
      to: input.to,
      template: input.key,
      props,
      journeyName: "test send",
      // A template without a subject of its own still gets a test: its key says what it is.
      ...(input.subject !== undefined
        ? { subject: input.subject }
        : template.subject === undefined
          ? { subject: `Test: ${input.key}` }
          : {}),
    });
    await recordAudit(tx, audit, {
      action: "template.test_sent",
      targetType: "template",
      targetId: input.key,
      after: { messageId: sent.messageId, status: sent.status, to: input.to },
    });
    return sent;
  });
}
