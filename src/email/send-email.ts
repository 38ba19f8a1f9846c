import type pg from "pg";
import { z } from "zod";
import { getContact } from "../contacts/contact-store.js";
import type { Queryable } from "../db/database.js";
import { ErrorCodes, HogsendError, isHogsendError } from "../errors.js";
import { type ActiveRun, currentRun, runServiceKey } from "../journeys/durable-effect.js";
import { NonRetryableError } from "../journeys/journey-errors.js";
import type { SendWindow } from "../journeys/journey-types.js";
import { decideSendWindow } from "../journeys/send-window.js";
import { sendWindowSchema } from "../journeys/send-window-schema.js";
import { durationToMs } from "../lib/duration.js";
import { safeJsonObject, safeText } from "../lib/input-guard/index.js";
import { checkFrequencyCap } from "./frequency-cap.js";
import { insertMessage, lastJourneySendAt, type MessageStatus } from "./outbox/message-store.js";
import { sendRequestFingerprint } from "./send-request-fingerprint.js";
import { FREQUENCY_CAP_REASON } from "./templates/frequency-caps.js";
import type { TemplateKey, TemplatePropsFor } from "./templates/register.js";
import { resolveTemplateProps, templateSubject } from "./templates/render-template.js";
import { TEMPLATE_PROPS_LIMITS } from "./templates/template-props-limits.js";
import type { TemplateRegistry } from "./templates/template-registry.js";

/** What email needs inside a run; the composition root hands it to the engine under `EMAIL_RUN_SERVICES`. */
export interface EmailRunServices {
  templates: TemplateRegistry;
}

export const EMAIL_RUN_SERVICES = runServiceKey<EmailRunServices>("email");

/** The fields of a send besides its template and props. */
export interface SendEmailFields {
  /** Recipient address. */
  to: string;
  /** The contact the email is for; checked for unsubscribes and preferences, and its properties fill props. */
  userId?: string | null | undefined;
  /** Defaults to the template's `subject`; one of the two is required. */
  subject?: string | undefined;
  /** The journey sending it (informational; inside a journey the run's own id is recorded). */
  journeyName?: string | undefined;
  /** Overrides EMAIL_FROM for this email. */
  from?: string | undefined;
  /** Transactional sends only: the same key twice queues one email. */
  idempotencyKey?: string | undefined;
}

/** Journey sends only: quiet hours for this one email, overriding the journey's `meta.sendWindow`. */
export interface SendWindowField {
  /**
   * A send outside the window waits durably until it opens (a journaled sleep, kind `send_window`), then goes.
   * `false` sends at once even when the journey has a window. Not accepted outside journeys (`POST /v1/send`).
   */
  sendWindow?: SendWindow | false | undefined;
}

/**
 * What a journey (or any caller) asks to send. With your templates registered (`interface Register`, see
 * `hogsend.config.ts`), `template` is one of their keys and `props` that template's props, checked by the
 * compiler; otherwise any string and any props, checked when the email is sent.
 */
export type SendEmailInput<K extends TemplateKey = TemplateKey> = {
  [P in K]: SendEmailFields &
    SendWindowField & {
      /** A registered template key, e.g. `"welcome"` or `Templates.ACTIVATION_WELCOME`. */
      template: P;
      /** Template props; explicit props win over the contact's properties of the same name. */
      props?: TemplatePropsFor<P> | undefined;
    };
}[K];

/** The untyped form of a send, as it arrives over HTTP. */
export type SendEmailRequest = SendEmailFields & {
  template: string;
  props?: Record<string, unknown> | undefined;
};

export interface SendEmailResult {
  /** The outbox message id (also the provider idempotency key and Message-ID). */
  messageId: string;
  /**
   * `queued` for delivery, or `skipped` when the journey's suppress window (reason `suppress_window`) or the
   * category's frequency cap (reason `frequency_cap`) refused it.
   */
  status: MessageStatus;
  reason?: string;
  /** Journey sends a frequency cap deferred (`onCap: "defer"`): when the send first came, and was held back. */
  deferred?: { reason: "frequency_cap"; since: string };
}

// Every text field is stored as Postgres text and props as jsonb: the guard refuses what those cannot hold (NUL,
// unpaired surrogates) and props too deep to serialise, which would otherwise fail in Postgres or overflow the
// stack in JSON.stringify. props is checked in place, not copied, so a `__proto__` key is refused, never assigned.
export const sendEmailInputSchema = z.object({
  to: z.email().max(320),
  userId: safeText(200).nullish(),
  template: safeText(200),
  subject: safeText(998).optional(),
  journeyName: safeText(200, { min: 0 }).optional(),
  props: safeJsonObject(TEMPLATE_PROPS_LIMITS).optional(),
  from: safeText(320, { min: 3 }).optional(),
  idempotencyKey: safeText(200).optional(),
});

/** Journal kind of the wait before a send outside its window (shown in the run's journal). */
export const SEND_WINDOW_KIND = "send_window";

/** Reason recorded on a journey email sent inside the journey's `suppress` window. */
export const SUPPRESS_WINDOW_REASON = "suppress_window";

/**
 * Sends an email through the outbox, from inside a journey's `run`.
 *
 * It is a durable step: recorded once in the run's journal together with its outbox row, never repeated on replay
 * or after a crash. A send within the journey's `suppress` window of its previous email to the same user is not
 * sent: it is recorded with status `skipped` and reason `suppress_window`, and the journey continues. An unknown
 * template or invalid props fail the run without retries. The template receives the contact (its email and
 * properties) as well as `props`; explicit props win over contact properties of the same name.
 *
 * Outside a journey there is no run to record it in: use `app.email.send` (`createEmailClient`) in a process
 * built with `createApp`, or `POST /v1/send` from anywhere else.
 *
 * @example
 * await sendEmail({ to: user.email, userId: user.id, template: "welcome", props: { plan: "pro" } });
 */
export async function sendEmail<K extends TemplateKey>(input: SendEmailInput<K>): Promise<SendEmailResult> {
  const run = currentRun();
  if (!run) {
    throw new HogsendError(
      ErrorCodes.INTERNAL,
      "sendEmail was called outside a journey; use app.email.send (createEmailClient) or POST /v1/send",
    );
  }
  const services = run.service(EMAIL_RUN_SERVICES);
  if (!services) {
    throw new HogsendError(ErrorCodes.INTERNAL, "This worker was started without email templates");
  }
  return sendFromJourney(run, services.templates, input as SendEmailRequest);
}

/** Transactional sends outside journeys, bound to one database and one template registry. */
export interface EmailClient {
  /** Validates and queues one email (the body of `POST /v1/send`); typed like `sendEmail`. */
  send<K extends TemplateKey>(input: SendEmailInput<K>): Promise<SendEmailResult>;
}

/** The client `createApp` exposes as `app.email`; build your own for a script with its own database handle. */
export function createEmailClient(deps: { db: Queryable; templates: TemplateRegistry }): EmailClient {
  return {
    async send(input) {
      if ((input as SendWindowField).sendWindow !== undefined) {
        throw new HogsendError(
          ErrorCodes.VALIDATION_FAILED,
          "sendWindow applies to journey sends only: a transactional email goes at once",
          { details: [{ path: ["sendWindow"], message: "Not accepted outside a journey" }] },
        );
      }
      const { created: _created, ...result } = await enqueueEmail(
        deps.db,
        deps.templates,
        input as SendEmailRequest,
      );
      return result;
    },
  };
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
export async function enqueueEmail(
  q: Queryable & { transaction?: <T>(fn: (tx: pg.PoolClient) => Promise<T>) => Promise<T> },
  templates: TemplateRegistry,
  input: SendEmailRequest,
): Promise<EnqueuedEmail> {
  const category = templates.has(input.template) ? templates.get(input.template).category : undefined;
  // A capped category is checked and inserted under the recipient's lock: in a transaction of our own when `q`
  // is the pool, in the caller's when it is a transaction's client.
  if (category !== undefined && templates.frequencyCaps.has(category) && q.transaction) {
    return q.transaction((tx) => enqueueInto(tx, templates, input, true));
  }
  return enqueueInto(q, templates, input, category !== undefined && templates.frequencyCaps.has(category));
}

async function enqueueInto(
  q: Queryable,
  templates: TemplateRegistry,
  input: SendEmailRequest,
  capped: boolean,
): Promise<EnqueuedEmail> {
  const request = validate(templates, input);
  const contact = request.userId ? await getContact(q, request.userId) : undefined;
  const parsed = resolve(request, contact?.properties);
  // The request as the caller sent it: a subject taken from the template is not part of it.
  const fingerprint =
    parsed.idempotencyKey === undefined
      ? undefined
      : sendRequestFingerprint({ ...parsed, subject: request.subject ?? "" });
  // Outside a journey nothing can wait durably: a capped send is skipped whatever the cap's onCap says.
  const cap = capped
    ? await checkFrequencyCap(q, templates.frequencyCaps, {
        recipient: parsed.userId ? { userId: parsed.userId } : { toEmail: parsed.to },
        category: parsed.category,
        // Transactional rows are stamped by the database's clock: count by it too.
        now: null,
      })
    : { allowed: true as const };
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
    ...(cap.allowed ? {} : { status: "skipped" as const, statusReason: FREQUENCY_CAP_REASON }),
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
  const skipped = inserted.status === "skipped" && !cap.allowed;
  return skipped
    ? {
        messageId: inserted.id,
        status: inserted.status,
        reason: FREQUENCY_CAP_REASON,
        created: inserted.created,
      }
    : { messageId: inserted.id, status: inserted.status, created: inserted.created };
}

async function sendFromJourney(
  run: ActiveRun,
  templates: TemplateRegistry,
  input: SendEmailRequest,
): Promise<SendEmailResult> {
  const request = failRun(run, () => validate(templates, input));
  const window = failRun(run, () => sendWindowFor(run, (input as SendWindowField).sendWindow));
  const userId = request.userId ?? run.userId;
  const key = request.template.key;
  let deferredSince: string | undefined;
  // Each round is journaled (a window wait, the send or its deferral, a cap wait), so replays take the same path.
  for (let round = 0; ; round++) {
    if (window) {
      await run.sleepUntil(SEND_WINDOW_KIND, key, `${SEND_WINDOW_KIND}:${key}`, (now, q) =>
        decideSendWindow(q, { userId, window, defaultTimeZone: run.defaultTimeZone, now }),
      );
    }
    const outcome = await run.effect("email", key, (tx, effectKey) =>
      insertJourneyEmail(tx, run, templates, request, userId, effectKey),
    );
    if (!("deferredUntil" in outcome)) {
      return deferredSince === undefined
        ? outcome
        : { ...outcome, deferred: { reason: FREQUENCY_CAP_REASON, since: deferredSince } };
    }
    deferredSince ??= outcome.at;
    if (round >= MAX_CAP_DEFERRALS) {
      throw new NonRetryableError(
        `sendEmail in journey "${run.journeyId}": "${key}" deferred by its frequency cap ${round + 1} times`,
      );
    }
    await run.sleepUntil(FREQUENCY_CAP_REASON, key, `${FREQUENCY_CAP_REASON}:${key}`, async () => ({
      wakeAt: new Date(outcome.deferredUntil),
      detail: { reason: FREQUENCY_CAP_REASON, category: outcome.category, max: outcome.max },
    }));
  }
}

/** A cap that keeps filling up (other journeys taking every freed slot) ends the run rather than loop forever. */
const MAX_CAP_DEFERRALS = 50;

type JourneyEmailOutcome =
  | SendEmailResult
  | { deferredUntil: string; at: string; category: string; max: number };

/** The send itself, inside the journal entry's transaction: suppress window, frequency cap, the outbox row. */
async function insertJourneyEmail(
  tx: pg.PoolClient,
  run: ActiveRun,
  templates: TemplateRegistry,
  request: ReturnType<typeof validate>,
  userId: string,
  key: { runId: string; position: number },
): Promise<JourneyEmailOutcome> {
  const contact = await getContact(tx, userId);
  const parsed = failRun(run, () => resolve(request, contact?.properties));
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
  if (status === "queued") {
    const cap = await checkFrequencyCap(tx, templates.frequencyCaps, {
      recipient: { userId },
      category: parsed.category,
      now,
    });
    if (!cap.allowed && cap.cap.onCap === "defer") {
      return {
        deferredUntil: cap.allowedAt.toISOString(),
        at: now.toISOString(),
        category: parsed.category,
        max: cap.cap.max,
      };
    }
    if (!cap.allowed) {
      status = "skipped";
      reason = FREQUENCY_CAP_REASON;
    }
  }
  const inserted = await insertMessage(tx, {
    toEmail: parsed.to,
    fromEmail: parsed.from,
    userId,
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
}

/** The send's own window (validated), else the journey's; `false` turns the journey's off for this send. */
function sendWindowFor(run: ActiveRun, own: SendWindow | false | undefined): SendWindow | undefined {
  if (own === false) return undefined;
  if (own === undefined) return run.meta.sendWindow;
  const parsed = sendWindowSchema.safeParse(own);
  if (!parsed.success) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "Invalid sendWindow", {
      details: parsed.error.issues.map((issue) => ({
        path: ["sendWindow", ...issue.path],
        message: issue.message,
      })),
    });
  }
  return parsed.data as SendWindow;
}

/** The same code passes the same bad input on every retry: fail the run now, with the reason. */
function failRun<T>(run: ActiveRun, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (isHogsendError(error)) {
      throw new NonRetryableError(`sendEmail in journey "${run.journeyId}": ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function validate(templates: TemplateRegistry, input: SendEmailRequest) {
  const parsed = sendEmailInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "Invalid sendEmail input", {
      details: parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message })),
    });
  }
  return { ...parsed.data, template: templates.get(parsed.data.template) };
}

/** Props resolved against the contact (explicit props win) and the subject settled. */
function resolve(
  request: ReturnType<typeof validate>,
  contactProperties: Record<string, unknown> | undefined,
) {
  const { template, ...fields } = request;
  const resolved = resolveTemplateProps(template, fields.props ?? {}, contactProperties);
  const subject = fields.subject ?? templateSubject(template, resolved);
  if (subject === undefined || subject === "") {
    throw new HogsendError(
      ErrorCodes.VALIDATION_FAILED,
      `sendEmail needs a subject: template "${template.key}" declares none`,
      { details: [{ path: ["subject"], message: "Required (the template has no subject)" }] },
    );
  }
  return {
    ...fields,
    template: template.key,
    subject,
    // Stored as given (contact properties and defaults are applied at render), so the row shows what was passed.
    props: fields.props ?? {},
    category: template.category,
  };
}
