import { Hono } from "hono";
import { z } from "zod";
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
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseParams, parseQuery } from "./parse-body.js";
import { requireApiKey } from "./require-api-key.js";

const STATUSES = ["active", "waiting", "completed", "failed", "exited", "cancelled"] as const;
const runsQuery = z.strictObject({
  userId: safeText(500).optional(),
  status: z.enum(STATUSES).optional(),
  cursor: safeText(200).optional(),
  limit: boundedInt(1, 1000).default(100),
});
const journeyIdParam = z.object({ journeyId: safeText(200) });
const userIdParam = z.object({ userId: safeText(500) });
const runIdParam = z.object({ runId: safeText(200) });

export interface JourneyAdminOptions {
  clock: Clock;
  /** The journeys this deployment runs, for their meta; runs of journeys not loaded are still listed. */
  registry: () => Promise<JourneyRegistry | undefined>;
}

/**
 * Journey state admin API (admin key): journeys with run counts by status and skip counts by reason, runs of a
 * journey (cursor-paginated) or of a user, one run with its journal, and cancelling a run.
 */
export function createJourneyAdminRoutes(options: JourneyAdminOptions) {
  return ({ db, authenticate }: RouteContext): Hono<ApiEnv> => {
    const routes = new Hono<ApiEnv>();
    const admin = requireApiKey(authenticate, ["admin"]);

    routes.get("/v1/admin/journeys", admin, async (c) => {
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
          exitOn: meta?.exitOn ?? [],
          suppress: meta?.suppress ?? null,
          runs: runs.get(id) ?? {},
          skips: skips.get(id) ?? {},
        };
      });
      return c.json({ data });
    });

    routes.get("/v1/admin/journeys/:journeyId/runs", admin, async (c) => {
      const { journeyId } = parseParams(journeyIdParam, c);
      const query = parseQuery(runsQuery, c);
      const page = await listJourneyRuns(db, { journeyId, ...query });
      if (!page) throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "The cursor is invalid");
      return c.json({ data: page.runs.map(toRunView), nextCursor: page.nextCursor });
    });

    routes.get("/v1/admin/users/:userId/journeys", admin, async (c) => {
      const { userId } = parseParams(userIdParam, c);
      const runs = await listUserRuns(db, userId);
      return c.json({ data: runs.map(toRunView) });
    });

    routes.get("/v1/admin/runs/:runId", admin, async (c) => {
      const { runId } = parseParams(runIdParam, c);
      const run = isUuid(runId) ? await getRun(db, runId) : undefined;
      if (!run) throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey run ${runId}`);
      return c.json({ data: { ...toRunView(run), journal: await getJournal(db, run.id) } });
    });

    routes.post("/v1/admin/runs/:runId/cancel", admin, async (c) => {
      const { runId } = parseParams(runIdParam, c);
      const outcome = isUuid(runId) ? await cancelRun(db, runId, options.clock.now()) : undefined;
      if (!outcome) throw new HogsendError(ErrorCodes.NOT_FOUND, `No journey run ${runId}`);
      if (!outcome.cancelled) {
        throw new HogsendError(ErrorCodes.CONFLICT, `Run ${runId} has already ended (${outcome.run.status})`);
      }
      return c.json({ data: toRunView(outcome.run) });
    });
    return routes;
  };
}
