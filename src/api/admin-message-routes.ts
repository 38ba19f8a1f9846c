import { createRoute, z } from "@hono/zod-openapi";
import { getMessage, listCapturedEmails, listMessages } from "../email/outbox/message-query.js";
import { MESSAGE_STATUSES } from "../email/outbox/message-store.js";
import { resendMessage } from "../email/resend-message.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { boundedInt, safeText, storableTimestamp } from "../lib/input-guard/index.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import {
  API_KEY_SECURITY,
  createRouter,
  cursorParam,
  dataOf,
  errors,
  json,
  pageOf,
} from "./openapi-router.js";

const MessageEventSchema = z.object({
  type: z.string(),
  bounceKind: z.string().nullable(),
  source: z.string(),
  occurredAt: z.string(),
  details: z.unknown(),
});

const MessageSummarySchema = z
  .object({
    id: z.string(),
    to: z.string(),
    userId: z.string().nullable(),
    template: z.string(),
    subject: z.string(),
    category: z.string().nullable(),
    status: z.enum(MESSAGE_STATUSES),
    statusReason: z.string().nullable(),
    journeyId: z.string().nullable(),
    journeyName: z.string().nullable(),
    runId: z.string().nullable(),
    provider: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    events: z.array(MessageEventSchema),
  })
  .openapi("MessageSummary");

const MessageDetailSchema = MessageSummarySchema.extend({
  from: z.string().nullable(),
  props: z.record(z.string(), z.unknown()),
  headers: z.record(z.string(), z.string()).nullable(),
  html: z.string().nullable(),
  text: z.string().nullable(),
}).openapi("Message");

const CapturedEmailSchema = z
  .object({
    id: z.number().int(),
    messageId: z.string(),
    to: z.string(),
    from: z.string(),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    headers: z.record(z.string(), z.string()),
    capturedAt: z.string(),
  })
  .openapi("CapturedEmail");

const listMessagesRoute = createRoute({
  method: "get",
  path: "/messages",
  tags: ["Messages"],
  summary: "The outbox, newest first, with each message's events",
  security: API_KEY_SECURITY,
  request: {
    query: z.object({
      userId: safeText(200).optional(),
      email: safeText(320).optional(),
      to: safeText(320)
        .optional()
        .openapi({ description: "Recipient address (case-insensitive); same as email" }),
      template: safeText(200).optional(),
      journey: safeText(200).optional().openapi({ description: "Messages sent by this journey id" }),
      status: z.enum(MESSAGE_STATUSES).optional(),
      from: storableTimestamp()
        .optional()
        .openapi({ type: "string", format: "date-time", description: "Created at or after" }),
      until: storableTimestamp()
        .optional()
        .openapi({ type: "string", format: "date-time", description: "Created before" }),
      cursor: cursorParam,
      limit: boundedInt(1, 200).default(50),
    }),
  },
  responses: { 200: json(pageOf(MessageSummarySchema), "A page of messages"), ...errors(400, 401, 403) },
});

const resendRoute = createRoute({
  method: "post",
  path: "/messages/{id}/resend",
  tags: ["Messages"],
  summary: "Queue a new email like this one (same template, props, recipient and subject); audited",
  description:
    "The new message goes through the outbox and every check an email gets (suppression, unsubscribes, " +
    "preferences). The original is unchanged; the copy is a transactional send (no journey).",
  security: API_KEY_SECURITY,
  request: {
    params: z.object({ id: safeText(200).openapi({ param: { name: "id", in: "path" }, format: "uuid" }) }),
  },
  responses: {
    201: json(
      dataOf(z.object({ messageId: z.string(), status: z.string(), resentFrom: z.string() })),
      "The new message",
    ),
    ...errors(400, 401, 403, 404),
  },
});

const getMessageRoute = createRoute({
  method: "get",
  path: "/messages/{id}",
  tags: ["Messages"],
  summary: "One message with the HTML, text and headers as sent",
  security: API_KEY_SECURITY,
  request: {
    params: z.object({ id: safeText(200).openapi({ param: { name: "id", in: "path" }, format: "uuid" }) }),
  },
  responses: { 200: json(dataOf(MessageDetailSchema), "The message"), ...errors(400, 401, 403, 404) },
});

const mailboxRoute = createRoute({
  method: "get",
  path: "/mailbox",
  tags: ["Messages"],
  summary: "What the capture provider stored (the dev inbox), newest first",
  security: API_KEY_SECURITY,
  request: {
    query: z.object({
      to: safeText(320).optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 200).default(50),
    }),
  },
  responses: {
    200: json(pageOf(CapturedEmailSchema), "A page of captured emails"),
    ...errors(400, 401, 403),
  },
});

/** The outbox and the capture provider's mailbox. */
export function createAdminMessageRoutes({ db, templates }: RouteContext) {
  return createRouter()
    .openapi(listMessagesRoute, async (c) => {
      const { to, journey, email, ...query } = c.req.valid("query");
      const filters = { ...query, email: email ?? to, journeyId: journey };
      return c.json(await listMessages(db, filters), 200);
    })
    .openapi(resendRoute, async (c) => {
      const { id } = c.req.valid("param");
      const sent = await resendMessage(db, templates, id, auditContextOf(c));
      if (!sent) throw new HogsendError(ErrorCodes.NOT_FOUND, `No message ${id}`);
      return c.json({ data: { messageId: sent.messageId, status: sent.status, resentFrom: id } }, 201);
    })
    .openapi(getMessageRoute, async (c) => {
      const { id } = c.req.valid("param");
      const message = await getMessage(db, id);
      if (!message) throw new HogsendError(ErrorCodes.NOT_FOUND, `No message ${id}`);
      return c.json({ data: message }, 200);
    })
    .openapi(mailboxRoute, async (c) => c.json(await listCapturedEmails(db, c.req.valid("query")), 200));
}
