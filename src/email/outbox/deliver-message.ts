import type { Config } from "../../config.js";
import type { Queryable } from "../../db/database.js";
import { isHogsendError } from "../../errors.js";
import type { EmailProvider } from "../providers/email-provider.js";
import { checkDeliverability } from "../suppression/check-deliverability.js";
import type { createTemplateRenderer } from "../templates/render-template.js";
import { composeEmail } from "./compose-email.js";
import type { ClaimedMessage, DeliveryOutcome } from "./message-store.js";
import type { RateLimiter } from "./rate-limiter.js";
import { retryDelayMs } from "./retry-delay.js";

const MAX_RETRY_DELAY_MS = 3_600_000;

export interface DeliverDependencies {
  db: Queryable;
  config: Config;
  render: ReturnType<typeof createTemplateRenderer>;
  provider: EmailProvider;
  limiter: RateLimiter;
}

/**
 * Delivers one claimed message and says what happened, without recording it: refused by policy (suppressed or
 * skipped, when `needsPolicyCheck`), failed for good (a template or props that will fail the same way every
 * time, a permanent provider error, or retries used up), to be retried after a delay (the provider's
 * `Retry-After` wins, capped at an hour), or sent. Throws only for what it cannot classify.
 */
export async function deliverMessage(
  message: ClaimedMessage,
  needsPolicyCheck: boolean,
  /** The recipient contact's current properties; explicit props win over them at render. */
  contactProperties: Record<string, unknown> | undefined,
  deps: DeliverDependencies,
): Promise<DeliveryOutcome> {
  const { db, config, render, provider, limiter } = deps;
  const settings = config.email.delivery;

  const check = needsPolicyCheck
    ? await checkDeliverability(db, {
        email: message.toEmail,
        userId: message.userId,
        category: message.category,
      })
    : { ok: true as const };
  if (!check.ok) {
    const status = check.reason.startsWith("suppressed") ? "suppressed" : "skipped";
    return { kind: "refused", id: message.id, status, reason: check.reason };
  }
  let email: Awaited<ReturnType<typeof composeEmail>>;
  try {
    email = await composeEmail(
      {
        messageId: message.id,
        to: message.toEmail,
        from: message.fromEmail ?? config.email.from,
        userId: message.userId,
        template: message.template,
        subject: message.subject,
        props: message.props,
        contactProperties: contactProperties ?? {},
      },
      { config, render },
    );
  } catch (error) {
    // Unknown template or props it rejects: the same input will fail the same way every time.
    if (isHogsendError(error)) return { kind: "failed", id: message.id, error: error.message };
    throw error;
  }
  await limiter.take();
  let result: Awaited<ReturnType<EmailProvider["send"]>>;
  try {
    result = await provider.send(email);
  } catch (error) {
    result = {
      ok: false,
      retryable: true,
      reason: `provider threw: ${(error as Error)?.message ?? error}`,
    };
  }
  if (result.ok) {
    return {
      kind: "sent",
      id: message.id,
      provider: provider.name,
      providerMessageId: result.providerMessageId,
      headers: email.headers,
      html: email.html,
      text: email.text,
    };
  }
  if (!result.retryable || message.attempts >= settings.maxAttempts) {
    const suffix = result.retryable ? ` (gave up after ${message.attempts} attempts)` : "";
    return { kind: "failed", id: message.id, error: `${result.reason}${suffix}` };
  }
  const delayMs = Math.min(
    MAX_RETRY_DELAY_MS,
    result.retryAfterMs ?? retryDelayMs(message.attempts, settings.retryBaseMs),
  );
  return { kind: "retry", id: message.id, delayMs, error: result.reason };
}
