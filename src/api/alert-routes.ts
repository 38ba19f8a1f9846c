import { createRoute, z } from "@hono/zod-openapi";
import {
  alertHistoryPage,
  alertOverview,
  resumeSendingAsAdmin,
  sendingStatus,
} from "../alerts/alert-admin.js";
import { ALERT_RULES } from "../alerts/alert-rules.js";
import type { Clock } from "../lib/clock.js";
import { boundedInt } from "../lib/input-guard/index.js";
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

const Severity = z.enum(["warning", "critical"]).nullable();
const iso = (date: Date | null) => date?.toISOString() ?? null;

const AlertStateSchema = z
  .object({
    rule: z.string(),
    status: z.enum(["ok", "firing"]),
    severity: Severity,
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    summary: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    openedAt: z.string().nullable(),
    lastNotifiedAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    evaluatedAt: z.string(),
  })
  .openapi("AlertState");

const SendingSchema = z
  .object({
    paused: z.boolean(),
    pausedAt: z.string().nullable(),
    reason: z.string().nullable(),
    pausedBy: z.string().nullable(),
    resumedAt: z.string().nullable(),
    resumedBy: z.string().nullable(),
    held: z
      .number()
      .int()
      .openapi({ description: "Non-transactional messages held in the queue by the pause" }),
  })
  .openapi("SendingStatus");

const AlertEventSchema = z
  .object({
    id: z.number().int(),
    rule: z.string(),
    kind: z.enum(["opened", "escalated", "repeated", "resolved"]),
    severity: Severity,
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    summary: z.string(),
    details: z.record(z.string(), z.unknown()),
    at: z.string(),
    notifications: z.array(
      z.object({
        channel: z.enum(["slack", "webhook", "email"]),
        status: z.enum(["pending", "sent", "failed"]),
        attempts: z.number().int(),
        lastError: z.string().nullable(),
      }),
    ),
  })
  .openapi("AlertEvent");

const currentRoute = createRoute({
  method: "get",
  path: "/alerts",
  tags: ["Alerts"],
  summary: "Every alert rule's current state, and whether sending is paused",
  security: API_KEY_SECURITY,
  responses: {
    200: json(
      dataOf(z.object({ alerts: z.array(AlertStateSchema), sending: SendingSchema })),
      "Current state",
    ),
    ...errors(401, 403),
  },
});

const historyRoute = createRoute({
  method: "get",
  path: "/alerts/history",
  tags: ["Alerts"],
  summary: "Alert transitions (opened, escalated, repeated, resolved), newest first, with their deliveries",
  security: API_KEY_SECURITY,
  request: {
    query: z.object({
      rule: z.enum(ALERT_RULES).optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 500).default(100),
    }),
  },
  responses: { 200: json(pageOf(AlertEventSchema), "A page of alert history"), ...errors(400, 401, 403) },
});

const sendingRoute = createRoute({
  method: "get",
  path: "/sending",
  tags: ["Alerts"],
  summary: "Whether the reputation guard has paused non-transactional sending",
  security: API_KEY_SECURITY,
  responses: { 200: json(dataOf(SendingSchema), "The sending switch"), ...errors(401, 403) },
});

const resumeRoute = createRoute({
  method: "post",
  path: "/sending/resume",
  tags: ["Alerts"],
  summary: "Resume sending after a reputation-guard pause; held mail goes out",
  security: API_KEY_SECURITY,
  responses: {
    200: json(
      dataOf(
        z.object({
          resumed: z.boolean().openapi({ description: "False when sending was not paused" }),
          sending: SendingSchema,
        }),
      ),
      "Sending runs",
    ),
    ...errors(401, 403),
  },
});

const toSending = (s: Awaited<ReturnType<typeof sendingStatus>>) => ({
  ...s,
  pausedAt: iso(s.pausedAt),
  resumedAt: iso(s.resumedAt),
});

/** Alerts and the reputation guard's switch. */
export function createAlertRoutes({ db }: RouteContext, options: { clock: Clock }) {
  return createRouter()
    .openapi(currentRoute, async (c) => {
      const { alerts, sending } = await alertOverview(db);
      return c.json(
        {
          data: {
            alerts: alerts.map((a) => ({
              rule: a.rule,
              status: a.status,
              severity: a.severity,
              value: a.value,
              threshold: a.threshold,
              summary: a.summary,
              details: a.details,
              openedAt: iso(a.openedAt),
              lastNotifiedAt: iso(a.lastNotifiedAt),
              resolvedAt: iso(a.resolvedAt),
              evaluatedAt: a.evaluatedAt.toISOString(),
            })),
            sending: toSending(sending),
          },
        },
        200,
      );
    })
    .openapi(historyRoute, async (c) => {
      const page = await alertHistoryPage(db, c.req.valid("query"));
      return c.json(
        { data: page.data.map((e) => ({ ...e, at: e.at.toISOString() })), nextCursor: page.nextCursor },
        200,
      );
    })
    .openapi(sendingRoute, async (c) => c.json({ data: toSending(await sendingStatus(db)) }, 200))
    .openapi(resumeRoute, async (c) => {
      const lifted = await resumeSendingAsAdmin(db, { audit: auditContextOf(c), now: options.clock.now() });
      if (lifted)
        c.get("logger").warn(
          { pausedBy: lifted.pausedBy, reason: lifted.reason },
          "sending resumed by an admin",
        );
      return c.json(
        { data: { resumed: lifted !== undefined, sending: toSending(await sendingStatus(db)) } },
        200,
      );
    });
}
