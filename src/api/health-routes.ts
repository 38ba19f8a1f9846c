import { Hono } from "hono";
import type { Database } from "../db/database.js";
import { migrationStatus } from "../db/migrate.js";
import type { ApiEnv } from "./api-env.js";

/**
 * `GET /v1/health`: 200 `healthy` when the database answers and the schema is current; 503 with
 * `migration_pending` (naming what is pending) or `database_unreachable` otherwise, so a probe can gate on it.
 */
export function createHealthRoutes(db: Database, version: string): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get("/v1/health", async (c) => {
    let pending: string[];
    try {
      pending = (await migrationStatus(db)).pending;
    } catch (error) {
      c.get("logger").warn({ err: error }, "health check: database unreachable");
      return c.json({ status: "database_unreachable", version }, 503);
    }
    if (pending.length > 0) return c.json({ status: "migration_pending", pending, version }, 503);
    return c.json({ status: "healthy", version, uptimeSeconds: Math.round(process.uptime()) }, 200);
  });
  return routes;
}
