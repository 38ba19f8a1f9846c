import { createRoute, z } from "@hono/zod-openapi";
import { listAuditEntries } from "../audit/audit-store.js";
import { boundedInt, safeText, storableTimestamp } from "../lib/input-guard/index.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, cursorParam, errors, json, pageOf } from "./openapi-router.js";

const AuditActorSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("api_key"), id: z.string(), name: z.string() }),
    z.object({ type: z.literal("user"), id: z.string(), email: z.string() }),
    z.object({ type: z.literal("system"), name: z.string() }),
  ])
  .openapi("AuditActor");

const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    occurredAt: z.string(),
    actor: AuditActorSchema,
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    redactedAt: z.string().nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
  })
  .openapi("AuditEntry");

const listAuditRoute = createRoute({
  method: "get",
  path: "/audit-log",
  tags: ["Audit log"],
  summary: "Every mutation made through the admin API, Studio or the CLI, newest first",
  security: API_KEY_SECURITY,
  request: {
    query: z.strictObject({
      action: safeText(200).optional().openapi({ description: "e.g. api_key.created, run.cancelled" }),
      targetType: safeText(100).optional(),
      targetId: safeText(500).optional(),
      actorId: safeText(200).optional().openapi({ description: "An API key id, a user id, or system:NAME" }),
      since: storableTimestamp().optional(),
      until: storableTimestamp().optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 500).default(50),
    }),
  },
  responses: { 200: json(pageOf(AuditEntrySchema), "A page of entries"), ...errors(400, 401, 403) },
});

/** The audit log, read-only: entries are written by the changes themselves, in their transactions. */
export function createAuditLogRoutes({ db }: RouteContext) {
  return createRouter().openapi(listAuditRoute, async (c) => {
    const page = await listAuditEntries(db, c.req.valid("query"));
    return c.json({ data: page.entries, nextCursor: page.nextCursor }, 200);
  });
}
