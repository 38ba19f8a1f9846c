import { createRoute, z } from "@hono/zod-openapi";
import { ErrorCodes, HogsendError } from "../errors.js";
import {
  cancelRun,
  getJournal,
  getRun,
  listJourneyRuns,
  listUserRuns,
  toRunView,
} from "../journeys/journey-admin-store.js";
import { journeyActivity, journeyFunnel, journeyHasHistory } from "../journeys/journey-insights.js";
import type { JourneyRegistry } from "../journeys/journey-registry.js";
import { RUN_STATUSES } from "../journeys/journey-store.js";
import { retryRun } from "../journeys/retry-run.js";
import { setJourneyEnabled } from "../journeys/set-journey-enabled.js";
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

const RunSchema = z
  .object({
    runId: z.string().openapi({ description: "The run's id; journey authors see it as `user.stateId`" }),
    journeyId: z.string(),
    userId: z.string(),
    userEmail: z.string().nullable(),
    status: z.string().openapi({ description: RUN_STATUSES.join(" | ") }),
    currentNodeId: z.string().nullable(),
    properties: z.record(z.string(), z.unknown()),
    attempts: z.number().int(),
    error: z.string().nullable(),
    exitEventId: z.number().int().nullable(),
    triggerEventId: z.number().int().nullable(),
    dueAt: z.string().nullable(),
    nextWakeAt: z
      .string()
      .nullable()
      .openapi({ description: "When a waiting run wakes (sleep end or wait timeout); null unless waiting" }),
    currentStep: z
      .string()
      .nullable()
      .openapi({ description: "Label of the sleep, wait or checkpoint a live run is at; null if none" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable(),
    exitReason: z.enum(["goal", "exit_on"]).nullable().openapi({
      description:
        "Why an exited run ended: its goal (meta.goal.exitOnGoal) or an exitOn rule; null otherwise",
    }),
    convertedAt: z
      .string()
      .nullable()
      .openapi({ description: "When the run met meta.goal (the goal event's occurredAt); null until then" }),
    goalEventId: z.number().int().nullable(),
    goalEvent: z.string().nullable(),
    variants: z
      .record(z.string(), z.string())
      .openapi({ description: "The arms ctx.variant drew for this run, by experiment name" }),
  })
  .openapi("JourneyRun");

const JournalEntrySchema = z.object({ position: z.number().int(), kind: z.string() }).openapi("JournalEntry");

const JourneySchema = z
  .object({
    id: z.string(),
    loaded: z.boolean().openapi({ description: "False for a journey with runs whose code is not deployed" }),
    name: z.string().nullable(),
    description: z.string().nullable(),
    enabled: z.boolean().nullable().openapi({
      description:
        "Effective: the runtime override if set, else meta.enabled; null for a journey not deployed",
    }),
    enabledOverride: z
      .boolean()
      .nullable()
      .openapi({ description: "The runtime override (PUT /journeys/{journeyId}/enabled); null when none" }),
    trigger: z.unknown(),
    entryLimit: z.unknown(),
    entryPeriod: z.unknown(),
    exitOn: z.array(z.unknown()),
    suppress: z.unknown(),
    runs: z.record(z.string(), z.number()).openapi({ description: "Run counts by status" }),
    skips: z.record(z.string(), z.number()).openapi({ description: "Enrollment skips by reason" }),
    last7Days: z
      .object({
        entered: z.number().int(),
        completed: z.number().int(),
        exited: z.number().int(),
        failed: z.number().int(),
        cancelled: z.number().int(),
      })
      .openapi({ description: "Runs entered and ended today (UTC) and the 6 days before" }),
  })
  .openapi("Journey");

const FunnelSchema = z
  .object({
    journeyId: z.string(),
    steps: z.array(
      z.object({
        label: z.string(),
        kind: z.string().openapi({ description: "sleep | wait | checkpoint | email | step" }),
        reached: z.number().int().openapi({ description: "Times a run recorded this step" }),
        current: z.number().int().openapi({ description: "Live runs at this step now" }),
      }),
    ),
    atNoStep: z
      .number()
      .int()
      .openapi({ description: "Live runs not at any labelled sleep, wait or checkpoint" }),
  })
  .openapi("JourneyFunnel");

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
      status: z.enum(RUN_STATUSES).optional(),
      step: safeText(500)
        .optional()
        .openapi({ description: "Only live runs at this step now (a sleep, wait or checkpoint label)" }),
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

const setEnabledRoute = createRoute({
  method: "put",
  path: "/journeys/{journeyId}/enabled",
  tags: ["Journeys"],
  summary: "Enable or disable a journey at runtime (null clears the override)",
  description:
    "A persisted override on top of the code's meta.enabled, honoured by every worker's router within seconds. " +
    "Only enrollment stops: runs already in flight carry on (cancel them to stop them). Audited.",
  security: API_KEY_SECURITY,
  request: {
    params: journeyIdParam,
    body: {
      required: true,
      content: { "application/json": { schema: z.strictObject({ enabled: z.boolean().nullable() }) } },
    },
  },
  responses: {
    200: json(
      dataOf(
        z.object({
          journeyId: z.string(),
          enabled: z.boolean().nullable(),
          enabledOverride: z.boolean().nullable(),
        }),
      ),
      "The journey's switch after the change",
    ),
    ...errors(400, 401, 403, 404),
  },
});

const funnelRoute = createRoute({
  method: "get",
  path: "/journeys/{journeyId}/funnel",
  tags: ["Journeys"],
  summary: "Per-step funnel: how many runs reached each step, and how many are at it now",
  security: API_KEY_SECURITY,
  request: { params: journeyIdParam },
  responses: { 200: json(dataOf(FunnelSchema), "The funnel"), ...errors(400, 401, 403, 404) },
});

const retryRunRoute = createRoute({
  method: "post",
  path: "/runs/{runId}/retry",
  tags: ["Journeys"],
  summary: "Retry a failed run (it replays from its journal)",
  security: API_KEY_SECURITY,
  request: { params: runIdParam },
  responses: {
    200: json(dataOf(RunSchema), "The run, active and due now"),
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
      const registry = await options.registry();
      const activity = await journeyActivity(db, options.clock.now());
      const ids = new Set([...(registry?.journeys.map((j) => j.meta.id) ?? []), ...activity.keys()]);
      const data = [...ids].sort().map((id) => {
        const meta = registry?.get(id)?.meta;
        const seen = activity.get(id);
        const override = seen?.enabledOverride ?? null;
        return {
          id,
          loaded: meta !== undefined,
          name: meta?.name ?? null,
          description: meta?.description ?? null,
          enabled: meta ? (override ?? meta.enabled) : null,
          enabledOverride: override,
          trigger: meta?.trigger ?? null,
          entryLimit: meta?.entryLimit ?? null,
          entryPeriod: meta?.entryPeriod ?? null,
          exitOn: [...(meta?.exitOn ?? [])],
          suppress: meta?.suppress ?? null,
          runs: seen?.runs ?? {},
          skips: seen?.skips ?? {},
          last7Days: seen?.last7Days ?? { entered: 0, completed: 0, exited: 0, failed: 0, cancelled: 0 },
        };
      });
      return c.json({ data, nextCursor: null }, 200);
    })
    .openapi(setEnabledRoute, async (c) => {
      const { journeyId } = c.req.valid("param");
      const { enabled } = c.req.valid("json");
      const meta = (await options.registry())?.get(journeyId)?.meta;
      // An override for a journey that is not deployed is allowed only if it has history (it may come back).
      if (!meta && !(await journeyHasHistory(db, journeyId))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey ${journeyId}`);
      }
      const change = await setJourneyEnabled(db, journeyId, enabled, options.clock.now(), auditContextOf(c));
      const effective = meta ? (change.after ?? meta.enabled) : null;
      return c.json({ data: { journeyId, enabled: effective, enabledOverride: change.after } }, 200);
    })
    .openapi(funnelRoute, async (c) => {
      const { journeyId } = c.req.valid("param");
      const funnel = await journeyFunnel(db, journeyId);
      if (funnel.steps.length === 0 && funnel.atNoStep === 0 && !(await isKnownJourney(journeyId))) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey ${journeyId}`);
      }
      return c.json({ data: { journeyId, ...funnel } }, 200);
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
    })
    .openapi(retryRunRoute, async (c) => {
      const { runId } = c.req.valid("param");
      const run = isUuid(runId)
        ? await retryRun(db, runId, options.clock.now(), auditContextOf(c))
        : undefined;
      if (!run) throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey run ${runId}`);
      return c.json({ data: toRunView(run) }, 200);
    });

  async function isKnownJourney(journeyId: string): Promise<boolean> {
    if ((await options.registry())?.get(journeyId)) return true;
    return journeyHasHistory(db, journeyId);
  }
}
