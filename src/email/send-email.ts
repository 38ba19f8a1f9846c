import type pg from "pg";
import { z } from "zod";
import type { Queryable } from "../db/database.js";
import { ErrorCodes, HogsendError, isHogsendError } from "../errors.js";
import { type ActiveRun, currentRun } from "../journeys/durable-effect.js";
import { NonRetryableError } from "../journeys/journey-errors.js";
import { durationToMs } from "../lib/duration.js";
import { safeJsonObject, safeText } from "../lib/input-guard/index.js";
import { insertMessage, lastJourneySendAt, type MessageStatus } from "./outbox/message-store.js";
import { sendRequestFingerprint } from "./send-request-fingerprint.js";
import { parseTemplateProps } from "./templates/render-template.js";
import { TEMPLATE_PROPS_LIMITS } from "./templates/template-props-limits.js";
import { getTemplate } from "./templates/template-registry.js";

/** What a journey (or any caller) asks to send. */
export interface SendEmailInput {
  /** Recipient address. */
  to: string;
  /** The contact the email is for; checked for unsubscribes and preferences. */
  userId?: string | null | undefined;
  /** A registered template key, e.g. `Templates.ACTIVATION_WELCOME` (`"activation/welcome"`). */
  template: string;
  subject: string;
  /** The journey sending it (informational; inside a journey the run's own id is recorded). */
  journeyName?: string | undefined;
  /** Template props, validated against the template's schema. */
  props?: Record<string, unknown> | undefined;
  /** Overrides EMAIL_FROM for this email. */
  from?: string | undefined;
  /** Transactional sends only: the same key twice queues one email. */
  idempotencyKey?: string | undefined;
}

export interface SendEmailResult {
  /** The outbox message id (also the provider idempotency key and Message-ID). */
  messageId: string;
  /** `queued` for delivery, or `skipped` when the journey's suppress window refused it. */
  status: MessageStatus;
  reason?: string;
}

// Every text field is stored as Postgres text and props as jsonb: the guard refuses what those cannot hold (NUL,
// unpaired surrogates) and props too deep to serialise, which would otherwise fail in Postgres or overflow the
// stack in JSON.stringify. props is checked in place, not copied, so a `__proto__` key is refused, never assigned.
export const sendEmailInputSchema = z.object({
  to: z.email().max(320),
  userId: safeText(200).nullish(),
  template: safeText(200),
  subject: safeText(998),
  journeyName: safeText(200, { min: 0 }).optional(),
  props: safeJsonObject(TEMPLATE_PROPS_LIMITS).optional(),
  from: safeText(320, { min: 3 }).optional(),
  idempotencyKey: safeText(200).optional(),
});

/** Reason recorded on a journey email sent inside the journey's `suppress` window. */
export const SUPPRESS_WINDOW_REASON = "suppress_window";

// The database a transactional `sendEmail` (outside any journey) writes to. Bound by the worker and the API when
// they start (`bindEmailOutbox` in app.ts), because journey authors import `sendEmail` as a plain function and
// cannot pass a handle. Inside a journey it is not used: the run's own transaction is.
let boundOutbox: Queryable | undefined;

/** Makes `sendEmail` outside journeys write to `db`; returns the unbind function. Last bind wins. */
export function bindEmailOutbox(db: Queryable): () => void {
  boundOutbox = db;
  return () => {
    if (boundOutbox === db) boundOutbox = undefined;
  };
}

/**
 * Sends an email through the outbox.
 *
 * Inside a journey it is a durable step: recorded once in the run's journal together with its outbox row, never
 * repeated on replay or after a crash. A send within the journey's `suppress` window of its previous email to the
 * same user is not sent: it is recorded with status `skipped` and reason `suppress_window`, and the journey
 * continues. An unknown template or invalid props fail the run without retries.
 *
 * Outside a journey it queues a transactional email at once (the worker or API process must be running in this
 * process; otherwise use `POST /v1/send`).
 *
 * @example
 * await sendEmail({ to: user.email, userId: user.id, template: Templates.ACTIVATION_WELCOME,
 *   subject: "Welcome to Hogsend", journeyName: user.journeyName });
 */
export async function sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
  const run = currentRun();
  if (run) return sendFromJourney(run, input);
  if (!boundOutbox) {
    throw new HogsendError(
      ErrorCodes.INTERNAL,
      "sendEmail was called outside a journey in a process without a Hogsend worker or API; use POST /v1/send",
    );
  }
  const { created: _created, ...result } = await enqueueEmail(boundOutbox, input);
  return result;
}

/** What `enqueueEmail` did: `created` is false when the idempotency key named an email queued before. */
export type EnqueuedEmail = SendEmailResult & { created: boolean };

/**
 * Validates and queues one transactional email (the body of `POST /v1/send` and standalone `sendEmail`). With an
 * idempotency key, the database decides which of any number of concurrent requests creates the message (the
 * unique key); every other gets that message back, and one whose request differs from the first is refused with
 * IDEMPOTENCY_KEY_REUSED: answering it with the first message would tell the caller an email it never asked for was
 * queued.
 */
export async function enqueueEmail(q: Queryable, input: SendEmailInput): Promise<EnqueuedEmail> {
  const parsed = validate(input);
  const fingerprint = parsed.idempotencyKey === undefined ? undefined : sendRequestFingerprint(parsed);
  const inserted = await insertMessage(q, {
    toEmail: parsed.to,
    fromEmail: parsed.from,
    userId: parsed.userId,
    template: parsed.template,
    subject: parsed.subject,
    category: parsed.category,
    props: parsed.props,
    journeyName: parsed.journeyName,
    idempotencyKey: parsed.idempotencyKey,
    idempotencyFingerprint: fingerprint,
  });
  // Rows queued before fingerprints were stored have none: they are taken to match.
  if (
    !inserted.created &&
    inserted.idempotencyFingerprint !== null &&
    inserted.idempotencyFingerprint !== fingerprint
  ) {
    throw new HogsendError(
      ErrorCodes.IDEMPOTENCY_KEY_REUSED,
      "This idempotency key was used for a different request; use a new key for a new email",
      { details: { idempotencyKey: parsed.idempotencyKey, messageId: inserted.id } },
    );
  }
  return { messageId: inserted.id, status: inserted.status, created: inserted.created };
}

async function sendFromJourney(run: ActiveRun, input: SendEmailInput): Promise<SendEmailResult> {
  let parsed: ReturnType<typeof validate>;
  try {
    parsed = validate(input);
  } catch (error) {
    // The same code will pass the same bad input on every retry: fail the run now, with the reason.
    if (isHogsendError(error)) {
      throw new NonRetryableError(`sendEmail in journey "${run.journeyId}": ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  return run.effect("email", parsed.template, async (tx: pg.PoolClient, key) => {
    const now = run.now();
    const windowMs = durationToMs(run.meta.suppress);
    let status: "queued" | "skipped" = "queued";
    let reason: string | undefined;
    if (windowMs > 0) {
      const last = await lastJourneySendAt(tx, { journeyId: run.journeyId, userId: run.userId });
      if (last && now.getTime() - last.getTime() < windowMs) {
        status = "skipped";
        reason = SUPPRESS_WINDOW_REASON;
      }
    }
    const inserted = await insertMessage(tx, {
      toEmail: parsed.to,
      fromEmail: parsed.from,
      userId: parsed.userId ?? run.userId,
      template: parsed.template,
      subject: parsed.subject,
      category: parsed.category,
      props: parsed.props,
      journeyId: run.journeyId,
      journeyName: parsed.journeyName ?? run.journeyName,
      runId: key.runId,
      runPosition: key.position,
      status,
      statusReason: reason,
      createdAt: now,
    });
    return reason === undefined
      ? { messageId: inserted.id, status: inserted.status }
      : { messageId: inserted.id, status: inserted.status, reason };
  });
}

function validate(input: SendEmailInput) {
  const parsed = sendEmailInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "Invalid sendEmail input", {
      details: parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message })),
    });
  }
  const template = getTemplate(parsed.data.template);
  const props = parseTemplateProps(template.key, parsed.data.props ?? {});
  return {
    ...parsed.data,
    // Stored as given (defaults are applied at render), so the row shows what the caller passed.
    props: parsed.data.props ?? {},
    validatedProps: props,
    category: template.category,
  };
}
