import { createRoute, z } from "@hono/zod-openapi";
import { audienceSchema } from "../broadcasts/audience-schema.js";
import { createBroadcastSchema } from "../broadcasts/broadcast-input.js";
import {
  type BroadcastWithStats,
  cancelBroadcast,
  createBroadcast,
  getBroadcastWithStats,
  listBroadcastsWithStats,
  previewAudienceFor,
  previewBroadcast,
  scheduleBroadcast,
} from "../broadcasts/broadcast-service.js";
import { BROADCAST_METRICS } from "../broadcasts/broadcast-stats-store.js";
import { BROADCAST_STATUSES } from "../broadcasts/broadcast-store.js";
import { listRecipients, RECIPIENT_STATUSES } from "../broadcasts/recipient-store.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Clock } from "../lib/clock.js";
import { boundedInt, isUuid, safeText, storableTimestamp } from "../lib/input-guard/index.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import {
  API_KEY_SECURITY,
  createRouter,
  cursorParam,
  dataOf,
  errors,
  json,
  jsonBody,
  pageOf,
} from "./openapi-router.js";

const StatsSchema = z
  .object(Object.fromEntries(BROADCAST_METRICS.map((metric) => [metric, z.number().int()])))
  .openapi("BroadcastStats", {
    description:
      "recipients: materialised; queued/skipped/waiting: what enqueueing decided; sent…complained: the outbox and " +
      "provider events; unsubscribed: recipients who unsubscribed within 30 days after their email",
  });

const BroadcastSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    template: z.string(),
    subject: z.string().nullable(),
    props: z.record(z.string(), z.unknown()),
    category: z.string(),
    audience: z.record(z.string(), z.unknown()),
    sendWindow: z.record(z.string(), z.unknown()).nullable(),
    ratePerSecond: z.number().int().nullable(),
    status: z.enum(BROADCAST_STATUSES),
    scheduledAt: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    stats: StatsSchema,
  })
  .openapi("Broadcast");

const PreviewSchema = z
  .object({
    count: z.number().int(),
    sample: z.array(z.object({ userId: z.string(), email: z.string() })),
  })
  .openapi("AudiencePreview");

const RecipientSchema = z
  .object({
    userId: z.string(),
    status: z.enum(RECIPIENT_STATUSES),
    reason: z.string().nullable(),
    messageId: z.string().nullable(),
    notBefore: z.string().nullable(),
  })
  .openapi("BroadcastRecipient");

// The input guard's object check is a custom schema; say what it is for the document (`.meta`, as in
// email-send-routes.ts).
const createBody = createBroadcastSchema.extend({
  props: createBroadcastSchema.shape.props.meta({
    type: "object",
    additionalProperties: true,
    description: "The template's props (contact properties fill the rest), checked per recipient",
  }),
});

const idParam = z.strictObject({
  id: z
    .string()
    .refine(isUuid, "must be a broadcast id (a UUID)")
    .openapi({ param: { name: "id", in: "path" }, format: "uuid" }),
});
const sampleQuery = z.strictObject({
  sample: boundedInt(0, 100).default(10).openapi({ description: "How many contacts to show (default 10)" }),
});

const tags = ["Broadcasts"];

const listRoute = createRoute({
  method: "get",
  path: "/broadcasts",
  tags,
  summary: "Broadcasts, newest first, each with its stats",
  security: API_KEY_SECURITY,
  request: {
    query: z.strictObject({
      status: z.enum(BROADCAST_STATUSES).optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 200).default(50),
    }),
  },
  responses: { 200: json(pageOf(BroadcastSchema), "Broadcasts"), ...errors(400, 401, 403) },
});
const createRouteDef = createRoute({
  method: "post",
  path: "/broadcasts",
  tags,
  summary: "Create a broadcast (a draft): template, props, category, audience, optional send window and rate",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: createBody } } },
  },
  responses: { 201: json(dataOf(BroadcastSchema), "Created as a draft"), ...errors(400, 401, 403, 415) },
});
const previewAudienceRoute = createRoute({
  method: "post",
  path: "/broadcasts/preview",
  tags,
  summary: "Count an audience and show a sample, before creating a broadcast",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            audience: audienceSchema,
            category: safeText(100),
            sample: z.number().int().min(0).max(100).default(10),
          }),
        },
      },
    },
  },
  responses: { 200: json(dataOf(PreviewSchema), "The audience now"), ...errors(400, 401, 403, 415) },
});
const getRoute = createRoute({
  method: "get",
  path: "/broadcasts/{id}",
  tags,
  summary: "One broadcast with its stats",
  security: API_KEY_SECURITY,
  request: { params: idParam },
  responses: { 200: json(dataOf(BroadcastSchema), "The broadcast"), ...errors(400, 401, 403, 404) },
});
const previewRoute = createRoute({
  method: "get",
  path: "/broadcasts/{id}/preview",
  tags,
  summary: "Count the broadcast's audience now and show a sample",
  security: API_KEY_SECURITY,
  request: { params: idParam, query: sampleQuery },
  responses: { 200: json(dataOf(PreviewSchema), "The audience now"), ...errors(400, 401, 403, 404) },
});
const recipientsRoute = createRoute({
  method: "get",
  path: "/broadcasts/{id}/recipients",
  tags,
  summary: "The broadcast's recipients by user id, with what became of each (skip reasons)",
  security: API_KEY_SECURITY,
  request: {
    params: idParam,
    query: z.strictObject({
      status: z.enum(RECIPIENT_STATUSES).optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 1000).default(100),
    }),
  },
  responses: { 200: json(pageOf(RecipientSchema), "Recipients"), ...errors(400, 401, 403, 404) },
});
const scheduleRoute = createRoute({
  method: "post",
  path: "/broadcasts/{id}/schedule",
  tags,
  summary: "Schedule a draft (or reschedule) to go at a time",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    params: idParam,
    body: {
      required: true,
      content: { "application/json": { schema: z.strictObject({ at: storableTimestamp() }) } },
    },
  },
  responses: {
    200: json(dataOf(BroadcastSchema), "Scheduled"),
    ...errors(400, 401, 403, 404, 409, 415),
  },
});
const sendRoute = createRoute({
  method: "post",
  path: "/broadcasts/{id}/send",
  tags,
  summary: "Send a draft or scheduled broadcast now",
  security: API_KEY_SECURITY,
  request: { params: idParam },
  responses: { 200: json(dataOf(BroadcastSchema), "Started"), ...errors(400, 401, 403, 404, 409) },
});
const cancelRoute = createRoute({
  method: "post",
  path: "/broadcasts/{id}/cancel",
  tags,
  summary: "Cancel: what has not gone yet stops (queued messages are taken out of the outbox)",
  security: API_KEY_SECURITY,
  request: { params: idParam },
  responses: {
    200: json(dataOf(BroadcastSchema.extend({ unqueued: z.number().int() })), "Cancelled"),
    ...errors(400, 401, 403, 404, 409),
  },
});

const iso = (d: Date | null) => d?.toISOString() ?? null;
const view = (b: BroadcastWithStats) => ({
  id: b.id,
  name: b.name,
  template: b.template,
  subject: b.subject,
  props: b.props,
  category: b.category,
  audience: b.audience as unknown as Record<string, unknown>,
  sendWindow: b.sendWindow as unknown as Record<string, unknown> | null,
  ratePerSecond: b.ratePerSecond,
  status: b.status,
  scheduledAt: iso(b.scheduledAt),
  createdAt: b.createdAt.toISOString(),
  startedAt: iso(b.startedAt),
  completedAt: iso(b.completedAt),
  cancelledAt: iso(b.cancelledAt),
  stats: b.stats,
});

/** Broadcasts: create, list, read with stats, preview, schedule, send, cancel (every change audited). */
export function createBroadcastRoutes({ db, templates }: RouteContext, options: { clock: Clock }) {
  const notFound = (id: string) => new HogsendError(ErrorCodes.NOT_FOUND, `No broadcast ${id}`);
  return createRouter()
    .openapi(listRoute, async (c) => {
      const page = await listBroadcastsWithStats(db, c.req.valid("query"));
      return c.json({ data: page.broadcasts.map(view), nextCursor: page.nextCursor }, 200);
    })
    .openapi(createRouteDef, async (c) => {
      const created = await createBroadcast(db, templates, c.req.valid("json"), auditContextOf(c));
      return c.json({ data: view(created) }, 201);
    })
    .openapi(previewAudienceRoute, async (c) => {
      const body = c.req.valid("json");
      const preview = await previewAudienceFor(db, templates, {
        audience: body.audience,
        category: body.category,
        now: options.clock.now(),
        sampleSize: body.sample,
      });
      return c.json({ data: preview }, 200);
    })
    .openapi(getRoute, async (c) => {
      const { id } = c.req.valid("param");
      const found = await getBroadcastWithStats(db, id);
      if (!found) throw notFound(id);
      return c.json({ data: view(found) }, 200);
    })
    .openapi(previewRoute, async (c) => {
      const { id } = c.req.valid("param");
      const preview = await previewBroadcast(db, id, options.clock.now(), c.req.valid("query").sample);
      return c.json({ data: preview }, 200);
    })
    .openapi(recipientsRoute, async (c) => {
      const { id } = c.req.valid("param");
      if (!(await getBroadcastWithStats(db, id))) throw notFound(id);
      const page = await listRecipients(db, { broadcastId: id, ...c.req.valid("query") });
      return c.json(
        {
          data: page.recipients.map((r) => ({ ...r, notBefore: iso(r.notBefore) })),
          nextCursor: page.nextCursor,
        },
        200,
      );
    })
    .openapi(scheduleRoute, async (c) => {
      const { id } = c.req.valid("param");
      const now = options.clock.now();
      const at = c.req.valid("json").at;
      const scheduled = await scheduleBroadcast(db, id, at < now ? now : at, auditContextOf(c));
      return c.json({ data: view(scheduled) }, 200);
    })
    .openapi(sendRoute, async (c) => {
      const { id } = c.req.valid("param");
      const started = await scheduleBroadcast(
        db,
        id,
        options.clock.now(),
        auditContextOf(c),
        "broadcast.send_requested",
      );
      return c.json({ data: view(started) }, 200);
    })
    .openapi(cancelRoute, async (c) => {
      const { id } = c.req.valid("param");
      const cancelled = await cancelBroadcast(db, id, options.clock.now(), auditContextOf(c));
      return c.json({ data: { ...view(cancelled), unqueued: cancelled.unqueued } }, 200);
    });
}
