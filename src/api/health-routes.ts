import { createRoute, z } from "@hono/zod-openapi";
import { migrationStatus } from "../db/migrate.js";
import { type Clock, systemClock } from "../lib/clock.js";
import { readSystemStatus, type SystemStatus } from "../operations/system-status.js";
import type { RouteContext } from "./create-api.js";
import { createRouter, json } from "./openapi-router.js";

const WorkerSchema = z.object({
  id: z.string(),
  host: z.string(),
  engine: z.string(),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  live: z.boolean().openapi({ description: "Seen within the last three heartbeats (15 s)" }),
});

const HealthSchema = z
  .object({
    status: z.enum(["healthy", "migration_pending", "database_unreachable"]),
    version: z.string(),
    engine: z
      .enum(["postgres", "hatchet"])
      .openapi({ description: "What executes journey runs (HOGSEND_ENGINE)" }),
    uptimeSeconds: z.number().int().optional(),
    pending: z.array(z.string()).optional().openapi({ description: "Migrations not yet applied" }),
    workers: z
      .object({
        live: z.number().int(),
        lastHeartbeatAt: z.string().nullable(),
        list: z.array(WorkerSchema),
      })
      .optional()
      .openapi({
        description: "Worker processes by their heartbeats (absent when the database is unreachable)",
      }),
    queues: z
      .object({
        routingQueued: z.number().int(),
        routingLagSeconds: z.number(),
        routingDeadLetters: z.number().int(),
        outboxQueued: z.number().int(),
        outboxLagSeconds: z.number(),
      })
      .optional()
      .openapi({
        description: "Queue depth and lag: the oldest unrouted event's age, the most overdue email's",
      }),
  })
  .openapi("Health");

const ProbeSchema = z
  .object({
    status: z.enum(["alive", "ready", "migration_pending", "database_unreachable"]),
    version: z.string(),
    pending: z.array(z.string()).optional(),
  })
  .openapi("HealthProbe");

const healthRoute = createRoute({
  method: "get",
  path: "/v1/health",
  tags: ["Operations"],
  summary: "Health probe",
  responses: {
    200: json(HealthSchema, "The database answers and the schema is current"),
    503: json(HealthSchema, "`migration_pending` (naming what is pending) or `database_unreachable`"),
  },
});

const liveRoute = createRoute({
  method: "get",
  path: "/v1/health/live",
  tags: ["Operations"],
  summary: "Liveness probe",
  description:
    "200 while the process runs and serves HTTP; touches no database (an outage must not restart it).",
  responses: { 200: json(ProbeSchema, "The process is up") },
});

const readyRoute = createRoute({
  method: "get",
  path: "/v1/health/ready",
  tags: ["Operations"],
  summary: "Readiness probe",
  description:
    "200 when the database answers and the schema is current; 503 otherwise, so traffic goes elsewhere.",
  responses: {
    200: json(ProbeSchema, "Ready for traffic"),
    503: json(ProbeSchema, "`database_unreachable` or `migration_pending`"),
  },
});

export interface HealthOptions {
  /** The clock heartbeats are compared with (the workers write them with theirs). */
  clock?: Clock;
  /** HOGSEND_ENGINE: what executes journey runs in this deployment. */
  engine?: "postgres" | "hatchet";
}

/**
 * `GET /v1/health` (the spec's probe: 200 `healthy` when the database answers and the schema is current, 503
 * with `migration_pending` or `database_unreachable` otherwise), now also with workers' heartbeats and queue lag;
 * `GET /v1/health/live` and `/v1/health/ready` for orchestrators' liveness and readiness probes.
 */
export function createHealthRoutes(
  { db }: RouteContext,
  { version, clock, engine = "postgres" }: { version: string } & HealthOptions,
) {
  const schema = async (): Promise<
    | { status: "ok" }
    | { status: "migration_pending"; pending: string[] }
    | { status: "database_unreachable"; error: unknown }
  > => {
    try {
      const { pending } = await migrationStatus(db);
      return pending.length > 0 ? { status: "migration_pending", pending } : { status: "ok" };
    } catch (error) {
      return { status: "database_unreachable", error };
    }
  };
  return createRouter()
    .openapi(liveRoute, (c) => c.json({ status: "alive" as const, version }, 200))
    .openapi(readyRoute, async (c) => {
      const state = await schema();
      if (state.status === "database_unreachable") {
        c.get("logger").warn({ err: state.error }, "readiness check: database unreachable");
        return c.json({ status: "database_unreachable" as const, version }, 503);
      }
      if (state.status === "migration_pending") {
        return c.json({ status: "migration_pending" as const, pending: state.pending, version }, 503);
      }
      return c.json({ status: "ready" as const, version }, 200);
    })
    .openapi(healthRoute, async (c) => {
      const [state, system] = await Promise.all([
        schema(),
        readSystemStatus(db, (clock ?? systemClock).now()).catch(() => undefined),
      ]);
      const extras: Partial<SystemStatus> = system ?? {};
      if (state.status === "database_unreachable") {
        c.get("logger").warn({ err: state.error }, "health check: database unreachable");
        return c.json({ status: "database_unreachable" as const, version, engine }, 503);
      }
      if (state.status === "migration_pending") {
        return c.json(
          { status: "migration_pending" as const, pending: state.pending, version, engine, ...extras },
          503,
        );
      }
      return c.json(
        {
          status: "healthy" as const,
          version,
          engine,
          uptimeSeconds: Math.round(process.uptime()),
          ...extras,
        },
        200,
      );
    });
}
