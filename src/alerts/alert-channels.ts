import type { Queryable } from "../db/database.js";
import { enqueueEmail } from "../email/send-email.js";
import type { TemplateRegistry } from "../email/templates/template-registry.js";
import { signStandardWebhook } from "../lib/standard-webhook-signature.js";
import { alertEmailTemplate } from "./alert-email-template.js";
import type { AlertChannel, AlertHistoryEntry } from "./alert-store.js";

/** Where alerts go (HOGSEND_ALERTS_SLACK_URL, HOGSEND_ALERTS_WEBHOOK_URL + _SECRET, HOGSEND_ALERTS_EMAIL). */
export interface AlertChannelSettings {
  slackUrl: string | undefined;
  webhook: { url: string; secret: string } | undefined;
  emails: readonly string[];
}

export function configuredChannels(settings: AlertChannelSettings): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (settings.slackUrl) channels.push("slack");
  if (settings.webhook) channels.push("webhook");
  if (settings.emails.length > 0) channels.push("email");
  return channels;
}

/** Permanent: the channel refused it in a way a retry will not change (a 4xx other than 408/429). */
export class PermanentChannelError extends Error {}

export function alertTitle(entry: AlertHistoryEntry): string {
  const level = entry.kind === "resolved" ? "RESOLVED" : (entry.severity ?? "alert").toUpperCase();
  return `[Hogsend] ${level}: ${entry.rule}${entry.kind === "repeated" ? " (still firing)" : ""}`;
}

/** The generic webhook's body (documented in the README): stable field names, ISO times. */
export function alertPayload(entry: AlertHistoryEntry) {
  return {
    type: `alert.${entry.kind}`,
    alert: {
      id: entry.id,
      rule: entry.rule,
      kind: entry.kind,
      severity: entry.severity,
      value: entry.value,
      threshold: entry.threshold,
      summary: entry.summary,
      details: entry.details,
      at: entry.at.toISOString(),
    },
  };
}

const TIMEOUT_MS = 10_000;

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`POST failed: ${(error as Error)?.message ?? error}`);
  }
  const text = await response.text().catch(() => "");
  if (response.ok) return;
  const message = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`;
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    throw new PermanentChannelError(message);
  }
  throw new Error(message);
}

/**
 * Sends one notification on one channel; throws on failure (PermanentChannelError when retrying is useless).
 * Email goes through the outbox as a transactional message, keyed so a retry never queues it twice.
 */
export async function sendAlertNotification(
  channel: AlertChannel,
  entry: AlertHistoryEntry,
  deps: { settings: AlertChannelSettings; db: Queryable; templates: TemplateRegistry },
): Promise<void> {
  const { settings } = deps;
  const title = alertTitle(entry);
  if (channel === "slack") {
    if (!settings.slackUrl) throw new PermanentChannelError("HOGSEND_ALERTS_SLACK_URL is no longer set");
    const emoji =
      entry.kind === "resolved"
        ? ":white_check_mark:"
        : entry.severity === "critical"
          ? ":rotating_light:"
          : ":warning:";
    const text = `${emoji} *${title}*\n${entry.summary}`;
    await post(
      settings.slackUrl,
      JSON.stringify({ text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] }),
      {},
    );
    return;
  }
  if (channel === "webhook") {
    if (!settings.webhook) throw new PermanentChannelError("HOGSEND_ALERTS_WEBHOOK_URL is no longer set");
    const body = JSON.stringify(alertPayload(entry));
    // The id is the history entry's: a retried delivery carries the same id, so a receiver can drop duplicates.
    // Stamped with the wall clock, not the injected one: the receiver checks it against its own (replay window).
    const headers = signStandardWebhook(settings.webhook.secret, {
      id: `alert_${entry.id}`,
      body,
      timestamp: new Date(),
    });
    await post(settings.webhook.url, body, { ...headers });
    return;
  }
  for (const to of settings.emails) {
    await enqueueEmail(deps.db, deps.templates, {
      to,
      template: alertEmailTemplate.key,
      idempotencyKey: `hogsend-alert:${entry.id}:${to}`,
      props: {
        title,
        summary: entry.summary,
        rule: entry.rule,
        kind: entry.kind,
        severity: entry.severity,
        at: entry.at.toISOString(),
      },
    });
  }
}
