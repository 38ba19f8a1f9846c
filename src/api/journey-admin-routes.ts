import { createRoute, z } from "@hono/zod-openapi";
import { ErrorCodes, HogsendError } from "../errors.js";
import {
  cancelRun,
  countRunsByStatus,
  countSkipsByReason,
  getJournal,
  getRun,
  listJourneyRuns,
  listUserRuns,
  toRunView,
} from "../journeys/journey-admin-store.js";
import type { JourneyRegistry } from "../journeys/journey-registry.js";
import type { Clock } from "../lib/clock.js";
import { boundedInt, isUuid, safeText } from "../lib/input-guard/index.js";
import { auditContextOf } from "./audit-context.js";
import { userIdParam } from "./contact-routes.js";
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

const STATUSES = ["active", "waiting", "completed", "failed", "exited", "cancelled"] as const;

const RunSchema = z
  .object({
    runId: z.string().openapi({ description: "The run's id; journey authors see it as `user.stateId`" }),
    journeyId: z.string(),
    userId: z.string(),
    userEmail: z.string().nullable(),
    status: z.string(),
    currentNodeId: z.string().nullable(),
    properties: z.record(z.string(), z.unknown()),
    attempts: z.number().int(),
    error: z.string().nullable(),
    exitEventId: z.number().int().nullable(),
    triggerEventId: z.number().int().nullable(),
    dueAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("JourneyRun");

const JournalEntrySchema = z.object({ position: z.number().int(), kind: z.string() }).openapi("JournalEntry");

const JourneySchema = z
  .object({
    id: z.string(),
    loaded: z.boolean().openapi({ description: "False for a journey with runs whose code is not deployed" }),
    name: z.string().nullable(),
    description: z.string().nullable(),
    enabled: z.boolean().nullable(),
    trigger: z.unknown(),
    entryLimit: z.unknown(),
    entryPeriod: z.unknown(),
    exitOn: z.array(z.unknown()),
    suppress: z.unknown(),
    runs: z.record(z.string(), z.number()).openapi({ description: "Run counts by status" }),
    skips: z.record(z.string(), z.number()).openapi({ description: "Enrollment skips by reason" }),
  })
  .openapi("Journey");

const journeyIdParam = z.object({
  journeyId: safeText(200).openapi({ param: { name: "journeyId", in: "path" }, example: "welcome" }),
});
const runIdParam = z.object({
  runId: safeText(200).openapi({ param: { name: "runId", in: "path" }, format: "uuid" }),
});

const listJourneysRoute = createRoute({
  method: "get",
  path: "/journeys",
  tags: ["Journeys"],
  summary: "Journeys with run counts by status and skip counts by reason",
  security: API_KEY_SECURITY,
  responses: { 200: json(pageOf(JourneySchema), "Every journey loaded or with runs"), ...errors(401, 403) },
});

const listJourneyRunsRoute = createRoute({
  method: "get",
  path: "/journeys/{journeyId}/runs",
  tags: ["Journeys"],
  summary: "Runs of a journey, newest first",
  security: API_KEY_SECURITY,
  request: {
    params: journeyIdParam,
    query: z.strictObject({
      userId: safeText(500).optional(),
      status: z.enum(STATUSES).optional(),
      cursor: cursorParam,
      limit: boundedInt(1, 1000).default(100),
    }),
  },
  responses: {
    200: json(pageOf(RunSchema), "A page of runs"),
    ...errors(400, 401, 403, 404),
  },
});

const listUserRunsRoute = createRoute({
  method: "get",
  path: "/users/{userId}/journeys",
  tags: ["Journeys"],
  summary: "A user's runs, newest first (up to 500)",
  security: API_KEY_SECURITY,
  request: { params: userIdParam },
  responses: { 200: json(pageOf(RunSchema), "The user's runs"), ...errors(400, 401, 403) },
});

const getRunRoute = createRoute({
  method: "get",
  path: "/runs/{runId}",
  tags: ["Journeys"],
  summary: "One run with its journal",
  security: API_KEY_SECURITY,
  request: { params: runIdParam },
  responses: {
    200: json(dataOf(RunSchema.extend({ journal: z.array(JournalEntrySchema) })), "The run"),
    ...errors(400, 401, 403, 404),
  },
});

const cancelRunRoute = createRoute({
  method: "post",
  path: "/runs/{runId}/cancel",
  tags: ["Journeys"],
  summary: "Cancel a live run",
  security: API_KEY_SECURITY,
  request: { params: runIdParam },
  responses: {
    200: json(dataOf(RunSchema), "The cancelled run"),
    ...errors(400, 401, 403, 404, 409),
  },
});

export interface JourneyAdminOptions {
  clock: Clock;
  /** The journeys this deployment runs, for their meta; runs of journeys not loaded are still listed. */
  registry: () => Promise<JourneyRegistry | undefined>;
}

/**
 * Journey state admin API: journeys with run counts by status and skip counts by reason, runs of a journey
 * (cursor-paginated) or of a user, one run with its journal, and cancelling a run.
 */
export function createJourneyAdminRoutes({ db }: RouteContext, options: JourneyAdminOptions) {
  return createRouter()
    .openapi(listJourneysRoute, async (c) => {
      const [registry, runs, skips] = [
        await options.registry(),
        await countRunsByStatus(db),
        await countSkipsByReason(db),
      ];
      const ids = new Set([
        ...(registry?.journeys.map((j) => j.meta.id) ?? []),
        ...runs.keys(),
        ...skips.keys(),
      ]);
      const data = [...ids].sort().map((id) => {
        const meta = registry?.get(id)?.meta;
        return {
          id,
          loaded: meta !== undefined,
          name: meta?.name ?? null,
          description: meta?.description ?? null,
          enabled: meta?.enabled ?? null,
          trigger: meta?.trigger ?? null,
          entryLimit: meta?.entryLimit ?? null,
          entryPeriod: meta?.entryPeriod ?? null,
          exitOn: [...(meta?.exitOn ?? [])],
          suppress: meta?.suppress ?? null,
          runs: runs.get(id) ?? {},
          skips: skips.get(id) ?? {},
        };
      });
      return c.json({ data, nextCursor: null }, 200);
    })
    .openapi(listJourneyRunsRoute, async (c) => {
      const { journeyId } = c.req.valid("param");
      const page = await listJourneyRuns(db, { journeyId, ...c.req.valid("query") });
      // A journey that is neither deployed nor has ever had a run is unknown, not an empty list.
      if (page.runs.length === 0 && !(await isKnownJourney(journeyId))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey ${journeyId}`);
      }
      return c.json({ data: page.runs.map(toRunView), nextCursor: page.nextCursor }, 200);
    })
    .openapi(listUserRunsRoute, async (c) => {
      const runs = await listUserRuns(db, c.req.valid("param").userId);
      return c.json({ data: runs.map(toRunView), nextCursor: null }, 200);
    })
    .openapi(getRunRoute, async (c) => {
      const { runId } = c.req.valid("param");
      const run = isUuid(runId) ? await getRun(db, runId) : undefined;
      if (!run) throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey run ${runId}`);
      return c.json({ data: { ...toRunView(run), journal: await getJournal(db, run.id) } }, 200);
    })
    .openapi(cancelRunRoute, async (c) => {
      const { runId } = c.req.valid("param");
      const outcome = isUuid(runId)
        ? await cancelRun(db, runId, options.clock.now(), auditContextOf(c))
        : undefined;
      if (!outcome) throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey run ${runId}`);
      if (!outcome.cancelled) {
        throw new HogsendError(ErrorCodes.CONFLICT, `Run ${runId} has already ended (${outcome.run.status})`);
      }
      return c.json({ data: toRunView(outcome.run) }, 200);
    });

  async function isKnownJourney(journeyId: string): Promise<boolean> {
    if ((await options.registry())?.get(journeyId)) return true;
    const [runs, skips] = [await countRunsByStatus(db), await countSkipsByReason(db)];
    return runs.has(journeyId) || skips.has(journeyId);
  }
}
