import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database } from "../db/database.js";
import { isUuid } from "../lib/input-guard/index.js";
import { getMessage } from "./outbox/message-query.js";
import { enqueueEmail, type SendEmailResult } from "./send-email.js";
import type { TemplateRegistry } from "./templates/template-registry.js";

/**
 * Queues a copy of a message (template, props, recipient, subject, sender, contact) as a new transactional email,
 * audited in the same transaction. Undefined when there is no such message; a template that no longer exists is
 * TEMPLATE_NOT_FOUND.
 */
export async function resendMessage(
  db: Database,
  templates: TemplateRegistry,
  id: string,
  audit: AuditContext,
): Promise<SendEmailResult | undefined> {
  if (!isUuid(id)) return undefined;
  return db.transaction(async (tx) => {
    const original = await getMessage(tx, id);
    if (!original) return undefined;
    const { created: _created, ...sent } = await enqueueEmail(tx, templates, {
      to: original.to,
      template: original.template,
      props: original.props,
      subject: original.subject,
      userId: original.userId,
      ...(original.from ? { from: original.from } : {}),
    });
    await recordAudit(tx, audit, {
      action: "message.resent",
      targetType: "message",
      targetId: id,
      after: { messageId: sent.messageId, status: sent.status, template: original.template },
    });
    return sent;
  });
}
