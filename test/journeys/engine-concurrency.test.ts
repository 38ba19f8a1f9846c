import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents } from "../../src/events/event-store.js";
import { days, defineJourney, hours } from "../../src/index.js";
import { routeBatch } from "../../src/journeys/event-router.js";
import { createJourneyRegistry } from "../../src/journeys/journey-registry.js";
import { claimDueRuns, loadJournals } from "../../src/journeys/journey-store.js";
import { PARTITION_COUNT } from "../../src/journeys/routing-partitions.js";
import { RunDispatcher } from "../../src/journeys/run-dispatcher.js";
import { RunReplay } from "../../src/journeys/run-replay.js";
import { VirtualClock } from "../../src/lib/clock.js";
import { createLogger } from "../../src/lib/logger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const ALL = Array.from({ length: PARTITION_COUNT }, (_, i) => i);
const base = { enabled: true, suppress: hours(1) };

let release: (() => void) | undefined;
let blocked: Promise<void> | undefined;
const gate = () => {
  blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
};

const unlimited = defineJourney({
  meta: { ...base, id: "unlimited", name: "U", entryLimit: "unlimited", trigger: { event: "go" } },
  run: async (_user, ctx) => {
    await ctx.sleep({ duration: days(1), label: "zz" });
  },
});
const once = defineJourney({
  meta: { ...base, id: "once", name: "O", entryLimit: "once", trigger: { event: "go" } },
  run: async () => {},
});
const slow = defineJourney({
  meta: {
    ...base,
    id: "slow",
    name: "S",
    entryLimit: "unlimited",
    trigger: { event: "slow.go" },
    exitOn: [
      {
        event: "slow.stop",
        where: [{ type: "property", source: "context", property: "why", operator: "exists" }],
      },
    ],
  },
  run: async (user, ctx) => {
    await ctx.checkpoint("before");
    await ctx.step("blocking", async () => {
      await blocked;
      return 1;
    });
    await ctx.trigger({ event: "slow.after", userId: user.id });
  },
});

const registry = createJourneyRegistry([unlimited, once, slow]);
const logger = createLogger({ level: "silent", pretty: false });
let database: TestDatabase;
const clock = new VirtualClock();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const send = (event: string, userId: string, properties: Record<string, unknown> = {}) =>
  insertEvents(database.db, [
    { messageId: `${event}:${userId}:${Math.random()}`, event, userId, properties, occurredAt: clock.now() },
  ]);

const executor = (owner: string, leaseMs = 30_000) =>
  new RunDispatcher({
    db: database.db,
    clock,
    owner,
    registry,
    leaseMs,
    logger,
    retry: { attempts: 3, backoffMs: 1000 },
  });

describe("guards under concurrency", () => {
  it("identical trigger events routed by parallel transactions create one live run and one once-entry", async () => {
    for (let i = 0; i < 12; i++) await send("go", "c1");
    // Four routers at once over the same partitions, one event each per batch: the constraints decide.
    const router = () => routeBatch({ db: database.db, clock, registry }, ALL, 1);
    for (let round = 0; round < 3; round++) await Promise.all([router(), router(), router(), router()]);
    const runs = await database.db.query<{ journey_id: string; n: number }>(
      "SELECT journey_id, count(*)::int AS n FROM journey_runs WHERE user_id = 'c1' GROUP BY journey_id ORDER BY 1",
    );
    expect(runs.rows).toEqual([
      { journey_id: "once", n: 1 },
      { journey_id: "unlimited", n: 1 },
    ]);
    const skips = await database.db.query<{ journey_id: string; reason: string; count: number }>(
      "SELECT journey_id, reason, count FROM journey_skip_counts ORDER BY 1, 2",
    );
    expect(skips.rows).toEqual([
      { journey_id: "once", reason: "already_entered_once", count: 11 },
      { journey_id: "unlimited", reason: "already_active", count: 11 },
    ]);
  });

  it("identical events in one batch are applied in order: the first enrolls, the rest skip", async () => {
    await send("go", "c2");
    await send("go", "c2");
    const result = await routeBatch({ db: database.db, clock, registry }, ALL, 100);
    expect(result).toMatchObject({ events: 2, enrolled: 2, skipped: 2 });
  });
});

describe("exits and leases during execution", () => {
  it("a run executing when its exit arrives performs no durable operation after it", async () => {
    gate();
    await send("slow.go", "e1");
    await routeBatch({ db: database.db, clock, registry }, ALL, 100);
    const worker = executor("worker-a");
    expect(await worker.claimAndStart(10)).toBeGreaterThan(0);
    // The run is now inside its step; the exit rule needs `why`, so a bare stop does not match.
    await send("slow.stop", "e1");
    await send("slow.stop", "e1", { why: "cancelled plan" });
    await routeBatch({ db: database.db, clock, registry }, ALL, 100);
    release?.();
    await worker.settle();
    const run = await database.db.query(
      "SELECT id, status, exit_event_id FROM journey_runs WHERE user_id = 'e1' AND journey_id = 'slow'",
    );
    expect(run.rows[0]?.status).toBe("exited");
    expect(run.rows[0]?.exit_event_id).not.toBeNull();
    const journal = await database.db.query("SELECT kind FROM journey_journal WHERE run_id = $1", [
      run.rows[0]?.id,
    ]);
    expect(journal.rows).toEqual([]);
    const after = await database.db.query(
      "SELECT 1 FROM events WHERE event = 'slow.after' AND user_id = 'e1'",
    );
    expect(after.rowCount).toBe(0);
  });

  it("a dead worker's run is taken over after its lease, and the stale worker cannot commit", async () => {
    gate();
    release?.();
    await send("slow.go", "l1");
    await routeBatch({ db: database.db, clock, registry }, ALL, 100);
    // Worker A claims and then "dies": it never executes what it claimed.
    const claimed = await claimDueRuns(database.db, {
      owner: "dead-worker",
      now: clock.now(),
      leaseMs: 30_000,
      limit: 10,
      journeyIds: ["slow"],
    });
    const stale = claimed.find((r) => r.userId === "l1");
    expect(stale).toBeDefined();
    const b = executor("worker-b");
    expect(await b.claimAndStart(10)).toBe(0);
    clock.advance(30_001);
    expect(await b.claimAndStart(10)).toBe(1);
    await b.settle();
    const run = await database.db.query("SELECT status, lease_owner FROM journey_runs WHERE id = $1", [
      stale!.id,
    ]);
    expect(run.rows[0]).toEqual({ status: "completed", lease_owner: null });
    // The dead worker wakes up and replays from its stale claim: its first commit fails the fence.
    const journals = await loadJournals(database.db, []);
    const outcome = await new RunReplay(
      { db: database.db, clock, owner: "dead-worker", retry: { attempts: 3, backoffMs: 1000 } },
      slow,
      stale!,
      journals.get(stale!.id) ?? new Map(),
    ).execute();
    expect(outcome).toEqual({ type: "aborted" });
    const after = await database.db.query(
      "SELECT count(*)::int AS n FROM events WHERE event = 'slow.after' AND user_id = 'l1'",
    );
    expect(after.rows[0]?.n).toBe(1);
  });
});
