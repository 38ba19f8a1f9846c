import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { insertEvents } from "../../src/events/event-store.js";
import { defineJourney, hours } from "../../src/index.js";
import { createJourneyRegistry } from "../../src/journeys/journey-registry.js";
import { type JourneyWorker, startJourneyWorker } from "../../src/journeys/journey-worker.js";
import { systemClock } from "../../src/lib/clock.js";
import { createLogger } from "../../src/lib/logger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const ADMIN_KEY = "test-admin-key-routing-failures-0123";
const welcome = defineJourney({
  meta: {
    id: "poison-welcome",
    name: "Welcome",
    enabled: true,
    trigger: { event: "signed_up" },
    entryLimit: "unlimited",
    suppress: hours(1),
  },
  run: async (_user, ctx) => {
    await ctx.checkpoint("hello");
  },
});

let database: TestDatabase;
let app: App;
let worker: JourneyWorker;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY }), {
    databaseUrl: database.url,
  });
  // A deterministic fault in real Postgres: enrolling this one user fails every time, as a data error would.
  await database.db.query(`
    CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.user_id = 'poison' THEN RAISE EXCEPTION 'poisoned row for %', NEW.user_id; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER reject_poison BEFORE INSERT ON journey_runs FOR EACH ROW EXECUTE FUNCTION reject_poison();`);
  worker = await startJourneyWorker({
    db: app.db,
    clock: systemClock,
    logger: createLogger({ level: "silent", pretty: false }),
    registry: createJourneyRegistry([welcome]),
    concurrency: 10,
    leaseMs: 30_000,
    pollIntervalMs: 50,
  });
});
afterAll(async () => {
  await worker?.stop(1_000);
  await app?.close();
  await database?.drop();
});

const count = async (sql: string) => (await database.db.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const admin = (path: string, method = "GET") =>
  buildApi(app).request(path, { method, headers: { Authorization: `Bearer ${ADMIN_KEY}` } });

describe("an event whose routing always fails", () => {
  it("is moved aside after a few attempts while the events around it are routed", async () => {
    const at = new Date();
    await insertEvents(
      app.db,
      ["early", "poison", "late-1", "late-2"].map((userId) => ({
        messageId: `signup-${userId}`,
        event: "signed_up",
        userId,
        occurredAt: at,
      })),
    );
    await waitUntil(
      async () =>
        (await count("SELECT count(*)::int AS n FROM event_routing_failures")) === 1 &&
        (await count("SELECT count(*)::int AS n FROM event_routing_queue")) === 0,
    );
    const runs = await database.db.query<{ user_id: string }>(
      "SELECT user_id FROM journey_runs ORDER BY user_id",
    );
    expect(runs.rows.map((r) => r.user_id)).toEqual(["early", "late-1", "late-2"]);
    const failures = await database.db.query<{ message_id: string; error: string; attempts: number }>(
      `SELECT e.message_id, f.error, f.attempts FROM event_routing_failures f JOIN events e ON e.id = f.event_id`,
    );
    expect(failures.rows).toEqual([
      { message_id: "signup-poison", error: "poisoned row for poison", attempts: 3 },
    ]);
  });

  it("is listed by the admin API and routed again once requeued after the fix", async () => {
    const listed = await admin("/v1/admin/events/routing-failures");
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as {
      data: Array<{ eventId: number; event: string; userId: string; error: string }>;
    };
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      event: "signed_up",
      userId: "poison",
      error: "poisoned row for poison",
    });

    await database.db.query("DROP TRIGGER reject_poison ON journey_runs");
    const eventId = body.data[0]!.eventId;
    const requeued = await admin(`/v1/admin/events/routing-failures/${eventId}/requeue`, "POST");
    expect(requeued.status).toBe(200);
    expect(await requeued.json()).toEqual({ data: { requeued: eventId } });
    await waitUntil(
      async () => (await count("SELECT count(*)::int AS n FROM journey_runs WHERE user_id = 'poison'")) === 1,
    );
    expect(await count("SELECT count(*)::int AS n FROM journey_runs WHERE user_id = 'poison'")).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM event_routing_failures")).toBe(0);

    expect((await admin(`/v1/admin/events/routing-failures/${eventId}/requeue`, "POST")).status).toBe(404);
    expect((await admin("/v1/admin/events/routing-failures/abc/requeue", "POST")).status).toBe(400);
    const noKey = await buildApi(app).request("/v1/admin/events/routing-failures");
    expect(noKey.status).toBe(401);
  });

  it("stops moving events aside when every event fails: that is a bug or a bad deploy, not poison", async () => {
    await database.db.query(`
      CREATE FUNCTION reject_all() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'broken deploy'; END $$;
      CREATE TRIGGER reject_all BEFORE INSERT ON journey_runs FOR EACH ROW EXECUTE FUNCTION reject_all();`);
    // An earlier test's event routed in between would rightly reset the guard: start from an empty queue.
    await waitUntil(async () => (await count("SELECT count(*)::int AS n FROM event_routing_queue")) === 0);
    await insertEvents(
      app.db,
      Array.from({ length: 6 }, (_, i) => ({
        messageId: `broken-${i}`,
        event: "signed_up",
        userId: `broken-${i}`,
        occurredAt: new Date(),
      })),
    );
    // Only this test's events: lifecycle events of earlier tests' runs may still be in the queue.
    const failed = `SELECT count(*)::int AS n FROM event_routing_failures f JOIN events e ON e.id = f.event_id
                      WHERE e.message_id LIKE 'broken-%'`;
    const queued = `SELECT count(*)::int AS n FROM event_routing_queue q JOIN events e ON e.id = q.event_id
                      WHERE e.message_id LIKE 'broken-%'`;
    await waitUntil(async () => (await count(failed)) >= 3);
    // With a 50 ms poll the router retries ~20 times a second: without the guard the rest would follow.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await count(failed)).toBe(3);
    expect(await count(queued)).toBe(3);

    await database.db.query("DROP TRIGGER reject_all ON journey_runs");
    await waitUntil(async () => (await count(queued)) === 0);
    expect(await count("SELECT count(*)::int AS n FROM journey_runs WHERE user_id LIKE 'broken-%'")).toBe(3);
  });
});
