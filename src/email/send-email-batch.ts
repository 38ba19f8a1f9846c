import type { Queryable } from "../db/database.js";
import { isHogsendError } from "../errors.js";
import { checkFrequencyCap } from "./frequency-cap.js";
import { insertKeyedMessages, type NewKeyedMessage } from "./outbox/message-store.js";
import { FREQUENCY_CAP_REASON } from "./templates/frequency-caps.js";
import { resolveTemplateProps, templateSubject } from "./templates/render-template.js";
import type { TemplateRegistry } from "./templates/template-registry.js";

/** One recipient of a batch: the contact, its address and properties (read by the caller in one query). */
export interface BatchRecipient {
  userId: string;
  to: string;
  properties: Record<string, unknown>;
  /** Unique per recipient of this send; a second batch with the same key queues nothing new. */
  idempotencyKey: string;
}

export type BatchOutcome =
  | { userId: string; status: "queued"; messageId: string }
  | { userId: string; status: "skipped"; reason: string; messageId: string | null };

/** A contact whose properties do not fit the template's props (the broadcast's props did not fill them). */
export const INVALID_PROPS_REASON = "invalid_props";

/**
 * Queues one template to many recipients in the caller's transaction (a broadcast's chunk): the same path as a
 * transactional send, per recipient — props resolved against the contact, the subject settled, the category's
 * frequency cap checked under the recipient's lock (a capped send is a `skipped` row, reason `frequency_cap`) —
 * and then one INSERT for the chunk, idempotent per key. Suppression, unsubscribes and category preferences
 * apply at delivery as for every message (recorded on the message as `suppressed`/`skipped` with the reason).
 * The template must exist (the caller checked it when the send was defined).
 */
export async function enqueueEmailBatch(
  tx: Queryable,
  templates: TemplateRegistry,
  send: { template: string; subject?: string | undefined; props: Record<string, unknown>; category: string },
  recipients: readonly BatchRecipient[],
): Promise<BatchOutcome[]> {
  const template = templates.get(send.template);
  const outcomes: BatchOutcome[] = [];
  const rows: Array<NewKeyedMessage & { index: number }> = [];
  const capped = templates.frequencyCaps.has(send.category);
  for (const recipient of recipients) {
    let subject: string | undefined;
    try {
      const resolved = resolveTemplateProps(template, send.props, recipient.properties);
      subject = send.subject ?? templateSubject(template, resolved);
    } catch (error) {
      if (!isHogsendError(error)) throw error;
    }
    if (subject === undefined || subject === "") {
      outcomes.push({
        userId: recipient.userId,
        status: "skipped",
        reason: INVALID_PROPS_REASON,
        messageId: null,
      });
      continue;
    }
    const cap = capped
      ? await checkFrequencyCap(tx, templates.frequencyCaps, {
          recipient: { userId: recipient.userId },
          category: send.category,
          now: null,
        })
      : { allowed: true as const };
    rows.push({
      index: outcomes.length,
      toEmail: recipient.to,
      userId: recipient.userId,
      template: template.key,
      subject,
      category: send.category,
      props: send.props,
      idempotencyKey: recipient.idempotencyKey,
      status: cap.allowed ? "queued" : "skipped",
      statusReason: cap.allowed ? null : FREQUENCY_CAP_REASON,
    });
    // Filled in below, once the chunk's insert says which message each key is.
    outcomes.push({ userId: recipient.userId, status: "queued", messageId: "" });
  }
  const messages = await insertKeyedMessages(tx, rows);
  for (const row of rows) {
    const message = messages.get(row.idempotencyKey);
    if (!message) throw new Error(`enqueueEmailBatch: no message for ${row.idempotencyKey}`);
    // A message that exists from an earlier attempt keeps its fate; a queued-then-refused one is a delivery skip.
    outcomes[row.index] =
      message.status === "skipped" && row.statusReason !== null
        ? { userId: row.userId, status: "skipped", reason: row.statusReason, messageId: message.id }
        : { userId: row.userId, status: "queued", messageId: message.id };
  }
  return outcomes;
}
