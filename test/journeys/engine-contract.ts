import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents } from "../../src/events/event-store.js";
import {
  days,
  defineJourney,
  hours,
  minutes,
  NonRetryableError,
  RetryAfterError,
  seconds,
} from "../../src/index.js";
import { currentRun } from "../../src/journeys/durable-effect.js";
import { createJourneyHarness, type HarnessOptions, type JourneyHarness } from "../../src/testing/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

export interface EngineContractOptions {
  /** The engine the harness runs (undefined: the Postgres engine). */
  engine: () => Promise<NonNullable<HarnessOptions["engine"]>>;
  /** The Postgres engine keeps a run leased when its code loses the database (a Hatchet task retries in place). */
  lostDatabase: boolean;
  /** Extra checks after an exit during a sleep (Hatchet: the engine run was cancelled). */
  afterExit?: (runId: string, h: JourneyHarness) => Promise<void>;
}

/**
 * The engine contract: one suite of journey behaviour (every ctx member, guards, exits during sleeps, waits with
 * timeouts, retries, nondeterminism) that every engine must pass, run by one test file per engine.
 */
export function defineEngineContract(options: EngineContractOptions): void {
  const { engine } = options;
  const base = { enabled: true, entryLimit: "unlimited" as const, suppress: hours(1) };
  const stepCalls = new Map<string, number>();
  const effectCalls = new Map<string, number>();
  const observed = new Map<string, unknown[]>();
  const observe = (key: string, value: unknown) => observed.set(key, [...(observed.get(key) ?? []), value]);

  const reads = defineJourney({
    meta: { ...base, id: "reads", name: "Reads", trigger: { event: "reads.go" } },
    run: async (user, ctx) => {
      const subscribed = await ctx.guard.isSubscribed();
      const any = await ctx.history.hasEvent({ userId: user.id, event: "feature.used" });
      const recent = await ctx.history.hasEvent({ userId: user.id, event: "feature.used", within: hours(1) });
      const journey = await ctx.history.journey({ userId: user.id, journeyId: "steps" });
      const email = await ctx.history.email({ email: user.email, template: "welcome" });
      await ctx.sleep({ duration: minutes(5), label: "after-reads" });
      observe(user.id, { subscribed, any, recent, journey, email });
    },
  });

  const steps = defineJourney({
    meta: { ...base, id: "steps", name: "Steps", trigger: { event: "steps.go" } },
    run: async (user, ctx) => {
      const value = await ctx.step("compute", ({ idempotencyKey }) => {
        stepCalls.set(user.id, (stepCalls.get(user.id) ?? 0) + 1);
        return { n: 41, key: idempotencyKey };
      });
      const sent = await currentRun()!.effect("test-effect", "row", async (tx, key) => {
        effectCalls.set(user.id, (effectCalls.get(user.id) ?? 0) + 1);
        await tx.query("INSERT INTO journey_skip_counts (journey_id, reason, count) VALUES ($1, $2, 1)", [
          `effect:${user.id}`,
          key.idempotencyKey,
        ]);
        return { position: key.position };
      });
      await ctx.sleep({ duration: hours(1), label: "nap" });
      observe(user.id, { value, sent });
    },
  });

  const waiter = defineJourney({
    meta: { ...base, id: "waiter", name: "Waiter", trigger: { event: "cart.started" } },
    run: async (user, ctx) => {
      const got = await ctx.waitForEvent({
        event: "cart.paid",
        where: [
          {
            type: "property",
            source: "context",
            property: "cart",
            operator: "eq",
            value: user.properties.cart ?? null,
          },
        ],
        timeout: hours(2),
        label: "await-paid",
      });
      await ctx.checkpoint(got ? `paid:${got.properties.amount}` : "timed-out");
    },
  });

  let attemptsSeen = 0;
  const flaky = defineJourney({
    meta: {
      ...base,
      id: "flaky",
      name: "Flaky",
      trigger: { event: "flaky.go" },
      retry: { attempts: 3, backoff: seconds(10) },
    },
    run: async (user, ctx) => {
      await ctx.trigger({ event: "flaky.before", userId: user.id });
      attemptsSeen++;
      const mode = user.properties.mode;
      if (mode === "fatal") throw new NonRetryableError("card declined for good");
      if (mode === "later") throw new RetryAfterError("rate limited", 3_600_000);
      if (mode === "always") throw new Error("boom");
      if (mode === "db-down")
        throw Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" });
      if (mode === "twice" && attemptsSeen < 3) throw new Error("transient");
    },
  });

  const parallel = defineJourney({
    meta: { ...base, id: "parallel", name: "Parallel", trigger: { event: "parallel.go" } },
    run: async (user, ctx) => {
      const [a, b] = await Promise.all([
        ctx.step("a", () => "A"),
        ctx.step("b", () => "B"),
        ctx.trigger({ event: "parallel.fired", userId: user.id }),
        ctx.checkpoint("together"),
      ]);
      await ctx.sleep({ duration: minutes(1), label: "after" });
      observe(user.id, `${a}${b}`);
    },
  });

  let version = 1;
  const changing = defineJourney({
    meta: { ...base, id: "changing", name: "Changing", trigger: { event: "changing.go" } },
    run: async (_user, ctx) => {
      await ctx.sleep({ duration: days(1), label: version === 1 ? "v1-wait" : "v2-wait" });
    },
  });

  const quick = async () => {};
  const disabled = defineJourney({
    meta: { ...base, id: "disabled", name: "D", enabled: false, trigger: { event: "g.disabled" } },
    run: quick,
  });
  const conditional = defineJourney({
    meta: {
      ...base,
      id: "conditional",
      name: "C",
      trigger: {
        event: "g.cond",
        where: [
          { type: "property", source: "context", property: "plan", operator: "eq", value: "pro" },
          { type: "property", source: "contact", property: "country", operator: "eq", value: "FR" },
        ],
      },
    },
    run: quick,
  });
  const periodic = defineJourney({
    meta: {
      ...base,
      id: "periodic",
      name: "P",
      entryLimit: "once_per_period",
      entryPeriod: days(7),
      trigger: { event: "g.periodic" },
    },
    run: quick,
  });
  const sleeper = defineJourney({
    meta: { ...base, id: "sleeper", name: "S", trigger: { event: "g.sleep" }, exitOn: [{ event: "g.stop" }] },
    run: async (_user, ctx) => {
      await ctx.sleep({ duration: days(1), label: "zz" });
      await ctx.checkpoint("woke");
    },
  });
  const timed = defineJourney({
    meta: { ...base, id: "timed", name: "T", trigger: { event: "t.go" } },
    run: async (user, ctx) => {
      const arm = await ctx.variant("subject", ["a", "b"]);
      const slept = await ctx.sleepUntil({ hour: 9, timezone: "Europe/Berlin" }, { label: "nine" });
      observe(user.id, { arm, wakeAt: slept.wakeAt });
    },
  });

  let database: TestDatabase;
  let h: JourneyHarness;
  beforeAll(async () => {
    database = await createTestDatabase();
    h = await createJourneyHarness({
      databaseUrl: database.url,
      journeys: [
        reads,
        steps,
        waiter,
        flaky,
        changing,
        parallel,
        disabled,
        conditional,
        periodic,
        sleeper,
        timed,
      ],
      engine: await engine(),
    });
  });
  afterAll(async () => {
    await h?.close();
    await database?.drop();
  });

  describe("ctx reads are journaled", () => {
    it("guard and history return real data and the same values on replay", async () => {
      await h.send({ event: "feature.used", userId: "r1" });
      await h.advance(hours(2));
      await h.db.query(
        "INSERT INTO journey_runs (journey_id, user_id, status, created_at, updated_at, completed_at) VALUES ('steps', 'r1', 'completed', now(), now(), now())",
      );
      await h.db.query(
        "INSERT INTO messages (to_email, template, subject, status) VALUES ('r1@example.com', 'welcome', 'Hi', 'sent')",
      );
      await h.send({ event: "reads.go", userId: "r1", userEmail: "r1@example.com" });
      // Change the world under the sleeping run: the replay must still see what was read before the sleep.
      await h.db.query("UPDATE contacts SET unsubscribed_at = now() WHERE user_id = 'r1'");
      await h.send({ event: "feature.used", userId: "r1" });
      await h.advance(minutes(5));
      const [value] = observed.get("r1") ?? [];
      expect(value).toMatchObject({
        subscribed: true,
        any: { found: true, count: 1 },
        recent: { found: false, count: 0 },
        journey: { completed: true, entryCount: 1 },
        email: { sent: true, count: 1 },
      });
      expect((await h.runs({ journeyId: "reads", userId: "r1" }))[0]?.status).toBe("completed");
    });
  });

  describe("ctx.step and durable effects", () => {
    it("run once and return the recorded result on replay", async () => {
      await h.send({ event: "steps.go", userId: "s1" });
      await h.advance(hours(1));
      const [run] = await h.runs({ journeyId: "steps", userId: "s1" });
      expect(run?.status).toBe("completed");
      expect(stepCalls.get("s1")).toBe(1);
      expect(effectCalls.get("s1")).toBe(1);
      expect(observed.get("s1")).toEqual([{ value: { n: 41, key: `${run!.id}:0` }, sent: { position: 1 } }]);
      const rows = await h.db.query("SELECT reason FROM journey_skip_counts WHERE journey_id = 'effect:s1'");
      expect(rows.rows).toEqual([{ reason: `${run!.id}:1` }]);
    });
  });

  describe("ctx.waitForEvent", () => {
    it("resumes with the matching event", async () => {
      await h.send({ event: "cart.started", userId: "w1", properties: { cart: "A" } });
      await h.send({ event: "cart.paid", userId: "w1", properties: { cart: "B", amount: 1 } });
      let [run] = await h.runs({ journeyId: "waiter", userId: "w1" });
      expect(run?.status).toBe("waiting");
      await h.advance(minutes(30));
      await h.send({ event: "cart.paid", userId: "w1", properties: { cart: "A", amount: 99 } });
      [run] = await h.runs({ journeyId: "waiter", userId: "w1" });
      expect(run?.status).toBe("completed");
      expect(run?.currentNodeId).toBe("paid:99");
    });

    it("resolves null at the timeout", async () => {
      await h.send({ event: "cart.started", userId: "w2", properties: { cart: "C" } });
      await h.advance(minutes(119));
      expect((await h.runs({ journeyId: "waiter", userId: "w2" }))[0]?.status).toBe("waiting");
      await h.advance(minutes(1));
      const [run] = await h.runs({ journeyId: "waiter", userId: "w2" });
      expect(run?.status).toBe("completed");
      expect(run?.currentNodeId).toBe("timed-out");
      // A late event changes nothing.
      await h.send({ event: "cart.paid", userId: "w2", properties: { cart: "C", amount: 5 } });
      expect((await h.runs({ journeyId: "waiter", userId: "w2" }))[0]?.currentNodeId).toBe("timed-out");
    });
  });

  describe("retries", () => {
    it("retries with backoff without repeating journaled effects", async () => {
      attemptsSeen = 0;
      await h.send({ event: "flaky.go", userId: "f1", properties: { mode: "twice" } });
      let [run] = await h.runs({ journeyId: "flaky", userId: "f1" });
      expect(run?.status).toBe("active");
      expect(run?.attempts).toBe(1);
      expect(run?.error).toBe("transient");
      expect(run?.dueAt?.getTime()).toBe(h.clock.now().getTime() + 10_000);
      await h.advance(seconds(10));
      [run] = await h.runs({ journeyId: "flaky", userId: "f1" });
      expect(run?.attempts).toBe(2);
      expect(run?.dueAt?.getTime()).toBe(h.clock.now().getTime() + 20_000);
      await h.advance(seconds(20));
      [run] = await h.runs({ journeyId: "flaky", userId: "f1" });
      expect(run?.status).toBe("completed");
      expect(await h.events({ event: "flaky.before", userId: "f1" })).toHaveLength(1);
    });

    it("fails after the last attempt, keeps the error and fires journey:failed", async () => {
      await h.send({ event: "flaky.go", userId: "f2", properties: { mode: "always" } });
      await h.advance(minutes(5));
      const [run] = await h.runs({ journeyId: "flaky", userId: "f2" });
      expect(run?.status).toBe("failed");
      expect(run?.attempts).toBe(3);
      expect(run?.error).toBe("boom");
      const failed = await h.events({ event: "journey:failed", userId: "f2" });
      expect(failed).toHaveLength(1);
      expect(failed[0]?.properties).toMatchObject({ journeyId: "flaky", stateId: run!.id, error: "boom" });
    });

    it("NonRetryableError fails at once", async () => {
      await h.send({ event: "flaky.go", userId: "f3", properties: { mode: "fatal" } });
      const [run] = await h.runs({ journeyId: "flaky", userId: "f3" });
      expect(run?.status).toBe("failed");
      expect(run?.attempts).toBe(1);
      expect(run?.error).toBe("NonRetryableError: card declined for good");
    });

    it("RetryAfterError retries at the time it names", async () => {
      await h.send({ event: "flaky.go", userId: "f4", properties: { mode: "later" } });
      const [run] = await h.runs({ journeyId: "flaky", userId: "f4" });
      expect(run?.status).toBe("active");
      expect(run?.dueAt?.getTime()).toBe(h.clock.now().getTime() + 3_600_000);
    });
  });

  describe.runIf(options.lostDatabase)("a lost database", () => {
    it("spends no attempt: the run keeps its lease until it expires and is replayed", async () => {
      await h.send({ event: "flaky.go", userId: "f5", properties: { mode: "db-down" } });
      const [run] = await h.runs({ journeyId: "flaky", userId: "f5" });
      expect(run).toMatchObject({ status: "active", attempts: 0, error: null });
      expect(run?.leaseOwner).not.toBeNull();
    });
  });

  describe("nondeterminism", () => {
    it("fails a run whose code no longer matches its journal, naming journey, position, recorded and found", async () => {
      version = 1;
      await h.send({ event: "changing.go", userId: "n1" });
      version = 2;
      await h.advance(days(1));
      const [run] = await h.runs({ journeyId: "changing", userId: "n1" });
      expect(run?.status).toBe("failed");
      expect(run?.error).toContain('Journey "changing" is nondeterministic at position 0');
      expect(run?.error).toContain('recorded sleep "v1-wait", found sleep "v2-wait"');
      expect(run?.attempts).toBe(1);
    });
  });

  describe("concurrent ctx calls", () => {
    it("take positions in call order and commit each once", async () => {
      await h.send({ event: "parallel.go", userId: "par1" });
      await h.advance(minutes(1));
      const [run] = await h.runs({ journeyId: "parallel", userId: "par1" });
      expect(run?.status).toBe("completed");
      expect(observed.get("par1")).toEqual(["AB"]);
      expect((await h.journal(run!.id)).map((e) => `${e.position}:${e.kind}:${e.label}`)).toEqual([
        "0:step:a",
        "1:step:b",
        "2:trigger:parallel.fired",
        "3:checkpoint:together",
        "4:sleep:after",
      ]);
      expect(await h.events({ event: "parallel.fired", userId: "par1" })).toHaveLength(1);
    });
  });

  describe("enrollment guards, in order, with their skip reasons", () => {
    it("journey_disabled", async () => {
      await h.send({ event: "g.disabled", userId: "d1" });
      expect(await h.runs({ journeyId: "disabled" })).toHaveLength(0);
      expect(await h.skips("disabled")).toEqual({ journey_disabled: 1 });
    });

    it("trigger_conditions_not_met, over event (context) and contact properties", async () => {
      await h.send({ event: "g.cond", userId: "c1", properties: { plan: "free", $set: { country: "FR" } } });
      await h.send({ event: "g.cond", userId: "c1", properties: { plan: "pro" } });
      await h.send({ event: "g.cond", userId: "c2", properties: { plan: "pro", $set: { country: "DE" } } });
      expect((await h.runs({ journeyId: "conditional" })).map((r) => r.userId)).toEqual(["c1"]);
      expect(await h.skips("conditional")).toEqual({ trigger_conditions_not_met: 2 });
    });

    it("period_not_elapsed until entryPeriod has passed since the last entry", async () => {
      await h.send({ event: "g.periodic", userId: "p1" });
      await h.advance(days(3));
      await h.send({ event: "g.periodic", userId: "p1" });
      await h.advance(days(4));
      await h.send({ event: "g.periodic", userId: "p1" });
      const runs = await h.runs({ journeyId: "periodic", userId: "p1" });
      expect(runs.map((r) => r.status)).toEqual(["completed", "completed"]);
      expect(await h.skips("periodic")).toEqual({ period_not_elapsed: 1 });
    });

    it("user_unsubscribed and already_active", async () => {
      await h.send({ event: "g.sleep", userId: "u1" });
      await h.send({ event: "g.sleep", userId: "u1" });
      await h.db.query("UPDATE contacts SET unsubscribed_at = now() WHERE user_id = 'u1'");
      await h.send({ event: "g.stop", userId: "u1" });
      await h.send({ event: "g.sleep", userId: "u1" });
      expect((await h.runs({ journeyId: "sleeper", userId: "u1" })).map((r) => r.status)).toEqual(["exited"]);
      expect(await h.skips("sleeper")).toEqual({ already_active: 1, user_unsubscribed: 1 });
    });

    it("applies one user's events in order within a batch: enroll, then exit, then enroll again", async () => {
      const at = h.clock.now();
      const events = ["g.sleep", "g.stop", "g.sleep"].map((event, i) => ({
        messageId: `order-${i}`,
        event,
        userId: "o1",
        occurredAt: new Date(at.getTime() + i),
      }));
      await insertEvents(h.db, events);
      await h.drain();
      const runs = await h.runs({ journeyId: "sleeper", userId: "o1" });
      expect(runs.map((r) => r.status).sort()).toEqual(["exited", "waiting"]);
      const stop = await h.events({ event: "g.stop", userId: "o1" });
      expect(runs.find((r) => r.status === "exited")?.exitEventId).toBe(stop[0]?.id);
    });
  });

  describe("exits during a sleep", () => {
    it("end the run at once; it never wakes, and the engine lets go of it", async () => {
      await h.send({ event: "g.sleep", userId: "x1" });
      let [run] = await h.runs({ journeyId: "sleeper", userId: "x1" });
      expect(run?.status).toBe("waiting");
      await h.advance(hours(3));
      await h.send({ event: "g.stop", userId: "x1" });
      [run] = await h.runs({ journeyId: "sleeper", userId: "x1" });
      expect(run?.status).toBe("exited");
      await h.advance(days(2));
      [run] = await h.runs({ journeyId: "sleeper", userId: "x1" });
      expect(run?.status).toBe("exited");
      expect(run?.currentNodeId).toBe("zz");
      const bound = await h.db.query("SELECT engine_ref FROM journey_runs WHERE id = $1", [run!.id]);
      expect(bound.rows[0]?.engine_ref).toBeNull();
      await options.afterExit?.(run!.id, h);
    });

    it("a run not exited wakes after its sleep and completes", async () => {
      await h.send({ event: "g.sleep", userId: "x2" });
      await h.advance(hours(23));
      expect((await h.runs({ journeyId: "sleeper", userId: "x2" }))[0]?.status).toBe("waiting");
      await h.advance(hours(1));
      const [run] = await h.runs({ journeyId: "sleeper", userId: "x2" });
      expect(run).toMatchObject({ status: "completed", currentNodeId: "woke" });
    });
  });

  describe("ctx.variant and ctx.sleepUntil", () => {
    it("keep the recorded arm and wake time across the sleep", async () => {
      const sentAt = h.clock.now().getTime();
      await h.send({ event: "t.go", userId: "v1" });
      const [run] = await h.runs({ journeyId: "timed", userId: "v1" });
      expect(run?.status).toBe("waiting");
      const wakeAt = run?.dueAt ?? new Date(0);
      const berlin = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Berlin",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      });
      expect(berlin.format(wakeAt)).toBe("09:00");
      expect(wakeAt.getTime() - sentAt).toBeGreaterThan(0);
      expect(wakeAt.getTime() - sentAt).toBeLessThanOrEqual(24 * 3_600_000);
      await h.advance(wakeAt.getTime() - sentAt);
      const [value] = observed.get("v1") ?? [];
      expect(value).toMatchObject({ wakeAt: wakeAt.toISOString() });
      expect(["a", "b"]).toContain((value as { arm: string }).arm);
      expect((await h.runs({ journeyId: "timed", userId: "v1" }))[0]?.status).toBe("completed");
    });
  });
}
