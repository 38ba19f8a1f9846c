import { createRoute, z } from "@hono/zod-openapi";
import { migrationStatus } from "../db/migrate.js";
import type { RouteContext } from "./create-api.js";
import { createRouter, json } from "./openapi-router.js";

const HealthSchema = z
  .object({
    status: z.enum(["healthy", "migration_pending", "database_unreachable"]),
    version: z.string(),
    uptimeSeconds: z.number().int().optional(),
    pending: z.array(z.string()).optional().openapi({ description: "Migrations not yet applied" }),
  })
  .openapi("Health");

const route = createRoute({
  method: "get",
  path: "/v1/health",
  tags: ["Operations"],
  summary: "Health probe",
  responses: {
    200: json(HealthSchema, "The database answers and the schema is current"),
    503: json(HealthSchema, "`migration_pending` (naming what is pending) or `database_unreachable`"),
  },
});

/**
 * `GET /v1/health`: 200 `healthy` when the database answers and the schema is current; 503 with
 * `migration_pending` or `database_unreachable` otherwise, so a probe can gate on it.
 */
export function createHealthRoutes({ db }: RouteContext, { version }: { version: string }) {
  return createRouter().openapi(route, async (c) => {
    let pending: string[];
    try {
      pending = (await migrationStatus(db)).pending;
    } catch (error) {
      c.get("logger").warn({ err: error }, "health check: database unreachable");
      return c.json({ status: "database_unreachable" as const, version }, 503);
    }
    if (pending.length > 0) return c.json({ status: "migration_pending" as const, pending, version }, 503);
    return c.json({ status: "healthy" as const, version, uptimeSeconds: Math.round(process.uptime()) }, 200);
  });
}
