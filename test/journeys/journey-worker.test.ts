import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents } from "../../src/events/event-store.js";
import { defineJourney, hours } from "../../src/index.js";
import { createJourneyRegistry } from "../../src/journeys/journey-registry.js";
import { startJourneyWorker } from "../../src/journeys/journey-worker.js";
import { systemClock } from "../../src/lib/clock.js";
import { createLogger } from "../../src/lib/logger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let release: (() => void) | undefined;
const held = new Promise<void>((resolve) => {
  release = resolve;
});

const short = defineJourney({
  meta: {
    id: "short",
    name: "Short",
    enabled: true,
    trigger: { event: "w.go" },
    entryLimit: "unlimited",
    suppress: hours(1),
  },
  run: async (user, ctx) => {
    await ctx.checkpoint("in");
    await ctx.sleep({ duration: { seconds: 0.3 }, label: "nap" });
    if (user.properties.hold) await ctx.step("held", () => held);
  },
});

let database: TestDatabase;
const logger = createLogger({ level: "silent", pretty: false });
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  release?.();
  await database?.drop();
});

const waitFor = async (sql: string, expected: number, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  let n = -1;
  while (Date.now() < deadline) {
    n = (await database.db.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
    if (n === expected) return n;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return n;
};

describe("journey worker on the system clock", () => {
  it("routes, sleeps and completes runs, woken by NOTIFY; stop() releases what it still holds", async () => {
    const worker = await startJourneyWorker({
      db: database.db,
      clock: systemClock,
      logger,
      registry: createJourneyRegistry([short]),
      concurrency: 10,
      leaseMs: 30_000,
      // A long poll: promptness has to come from LISTEN/NOTIFY and the known wake time.
      pollIntervalMs: 60_000,
    });
    const now = new Date();
    await insertEvents(
      database.db,
      Array.from({ length: 20 }, (_, i) => ({
        messageId: `w-${i}`,
        event: "w.go",
        userId: `w${i}`,
        occurredAt: now,
      })),
    );
    expect(await waitFor("SELECT count(*)::int AS n FROM journey_runs WHERE status = 'completed'", 20)).toBe(
      20,
    );

    await insertEvents(database.db, [
      {
        messageId: "w-held",
        event: "w.go",
        userId: "held",
        properties: { hold: true },
        occurredAt: new Date(),
      },
    ]);
    expect(
      await waitFor(
        "SELECT count(*)::int AS n FROM journey_runs WHERE user_id = 'held' AND status = 'active' AND lease_owner IS NOT NULL AND current_node_id = 'nap'",
        1,
      ),
    ).toBe(1);
    await worker.stop(200);
    const run = await database.db.query(
      "SELECT status, lease_owner FROM journey_runs WHERE user_id = 'held'",
    );
    expect(run.rows[0]).toEqual({ status: "active", lease_owner: null });
    const partitions = await database.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM routing_partitions WHERE lease_owner IS NOT NULL",
    );
    expect(partitions.rows[0]?.n).toBe(0);
  });
});

describe("routing partitions", () => {
  it("are shared fairly between live workers and taken over when one stops", async () => {
    const start = () =>
      startJourneyWorker({
        db: database.db,
        clock: systemClock,
        logger,
        registry: createJourneyRegistry([short]),
        concurrency: 5,
        leaseMs: 600,
        pollIntervalMs: 100,
      });
    const owned = async () => {
      const result = await database.db.query<{ owner: string; n: number }>(
        `SELECT lease_owner AS owner, count(*)::int AS n FROM routing_partitions
          WHERE lease_owner IS NOT NULL GROUP BY lease_owner ORDER BY n DESC`,
      );
      return result.rows;
    };
    const until = async (check: (rows: Array<{ owner: string; n: number }>) => boolean) => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const rows = await owned();
        if (check(rows)) return rows;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return owned();
    };
    const a = await start();
    expect((await until((rows) => rows[0]?.n === 16)).map((r) => r.n)).toEqual([16]);
    const b = await start();
    const shared = await until((rows) => rows.length === 2 && rows[0]?.n === 8);
    expect(shared.map((r) => r.n)).toEqual([8, 8]);
    expect(new Set(shared.map((r) => r.owner))).toEqual(new Set([a.owner, b.owner]));
    await a.stop(100);
    const alone = await until((rows) => rows[0]?.n === 16);
    expect(alone).toEqual([{ owner: b.owner, n: 16 }]);
    await b.stop(100);
  });
});
