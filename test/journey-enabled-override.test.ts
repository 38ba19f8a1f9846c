import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, type BackgroundWork, buildApi, createApp, startWorker } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { defineJourney, hours } from "../src/index.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "override-test-admin-key-0123456789abcd";

const greeter = defineJourney({
  meta: {
    id: "greeter",
    name: "Greeter",
    enabled: true,
    trigger: { event: "visitor.arrived" },
    entryLimit: "unlimited",
    suppress: hours(0),
  },
  run: async (_user, ctx) => {
    await ctx.sleep({ duration: hours(1), label: "linger" });
  },
});

let database: TestDatabase;
const apps: App[] = [];
const workers: BackgroundWork[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  // Two worker processes' worth of apps on one database: routing partitions are shared between them, so every
  // worker must see the override.
  for (let i = 0; i < 2; i++) {
    const app = await createApp(
      loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY, HOGSEND_POLL_INTERVAL_MS: "200" }),
      { databaseUrl: database.url, journeys: [greeter] },
    );
    apps.push(app);
    workers.push(await startWorker(app));
  }
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop(1_000)));
  await Promise.all(apps.map((a) => a.close()));
  await database?.drop();
});

async function request(method: string, path: string, body?: unknown) {
  const res = await buildApi(apps[0]!).request(path, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function arrive(prefix: string, count: number): Promise<void> {
  const batch = Array.from({ length: count }, (_, i) => ({
    event: "visitor.arrived",
    userId: `${prefix}-${i}`,
  }));
  expect((await request("POST", "/v1/ingest", { batch })).status).toBe(202);
}

async function routed(prefix: string): Promise<{ runs: number; disabledSkips: number; queued: number }> {
  const db = apps[0]!.db;
  const runs = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM journey_runs WHERE journey_id = 'greeter' AND user_id LIKE $1",
    [`${prefix}-%`],
  );
  const skips = await db.query<{ n: number }>(
    "SELECT coalesce(sum(count), 0)::int AS n FROM journey_skip_counts WHERE journey_id = 'greeter' AND reason = 'journey_disabled'",
  );
  const queued = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM event_routing_queue");
  return { runs: runs.rows[0]!.n, disabledSkips: skips.rows[0]!.n, queued: queued.rows[0]!.n };
}

describe("the runtime enable/disable override", () => {
  it("is honoured by every worker within seconds, and clearing it enrolls again", async () => {
    await arrive("before", 20);
    await expect.poll(() => routed("before"), { timeout: 20_000 }).toMatchObject({ runs: 20, queued: 0 });

    expect((await request("PUT", "/v1/admin/journeys/greeter/enabled", { enabled: false })).status).toBe(200);
    // Within seconds: the workers were told by NOTIFY (the 5 s re-read is only the backstop).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await arrive("off", 40);
    await expect
      .poll(() => routed("off"), { timeout: 20_000 })
      .toEqual({ runs: 0, disabledSkips: 40, queued: 0 });
    // Runs already in flight carry on (the spec checks `enabled` before enrollment only).
    const live = await apps[0]!.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM journey_runs WHERE user_id LIKE 'before-%' AND status = 'waiting'",
    );
    expect(live.rows[0]!.n).toBe(20);

    expect((await request("PUT", "/v1/admin/journeys/greeter/enabled", { enabled: null })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await arrive("on", 40);
    await expect.poll(() => routed("on"), { timeout: 20_000 }).toMatchObject({ runs: 40, disabledSkips: 40 });
  });
});
