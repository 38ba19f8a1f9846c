import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendEmail } from "../../src/email/index.js";
import { insertEvents } from "../../src/events/event-store.js";
import { days, defineJourney, hours } from "../../src/index.js";
import { holdoutBucket, isHeldOut } from "../../src/journeys/holdout-assignment.js";
import { toRunView } from "../../src/journeys/journey-admin-store.js";
import { durationToMs } from "../../src/lib/duration.js";
import { createJourneyHarness, type JourneyHarness } from "../../src/testing/index.js";
import { exampleTemplates } from "../helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const welcome = { template: "activation/welcome", subject: "Hi" } as const;

// Converts on a pro upgrade within 7 days; sends now and after 3 days; no exitOnGoal, so it carries on.
const upsell = defineJourney({
  meta: {
    id: "upsell",
    name: "Upsell",
    enabled: true,
    trigger: { event: "trial.started" },
    entryLimit: "unlimited",
    suppress: hours(0),
    goal: {
      event: "plan.upgraded",
      within: days(7),
      where: [{ type: "property", source: "context", property: "plan", operator: "eq", value: "pro" }],
    },
  },
  run: async (user, ctx) => {
    await sendEmail({ to: user.email, userId: user.id, ...welcome });
    await ctx.sleep({ duration: days(3), label: "pause" });
    await sendEmail({ to: user.email, userId: user.id, ...welcome, subject: "Still there?" });
  },
});

// Ends on an order within 2 days of the cart; otherwise reminds after 5 days.
const nudge = defineJourney({
  meta: {
    id: "nudge",
    name: "Nudge",
    enabled: true,
    trigger: { event: "cart.created" },
    entryLimit: "unlimited",
    suppress: hours(0),
    goal: { event: "order.placed", within: days(2), exitOnGoal: true },
  },
  run: async (user, ctx) => {
    await ctx.sleep({ duration: days(5), label: "remind" });
    await sendEmail({ to: user.email, userId: user.id, ...welcome });
  },
});

// Half of its users are held out.
const onboarding = defineJourney({
  meta: {
    id: "onboarding",
    name: "Onboarding",
    enabled: true,
    trigger: { event: "signed.up" },
    entryLimit: "unlimited",
    suppress: hours(0),
    holdout: 0.5,
    goal: { event: "activated", within: days(3) },
  },
  run: async (user, ctx) => {
    const subject = await ctx.variant("subject", ["short", "long"]);
    await sendEmail({ to: user.email, userId: user.id, ...welcome, subject });
    await ctx.sleep({ duration: days(1), label: "later" });
  },
});

// A tenth held out; the run does nothing, so routing, not execution, is what the 2,000-user test costs.
const split = defineJourney({
  meta: {
    id: "split",
    name: "Split",
    enabled: true,
    trigger: { event: "split.me" },
    entryLimit: "once",
    suppress: hours(0),
    holdout: 0.1,
  },
  run: async () => {},
});

let database: TestDatabase;
let h: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({
    databaseUrl: database.url,
    journeys: [upsell, nudge, onboarding, split],
    templates: exampleTemplates,
  });
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

const email = (userId: string) => `${userId}@example.com`;
const only = async (journeyId: string, userId: string) => {
  const runs = await h.runs({ journeyId, userId });
  expect(runs).toHaveLength(1);
  return runs[0]!;
};

describe("meta.goal", () => {
  it("converts a run on a matching goal event within the window, once, and lets it carry on", async () => {
    const entered = await h.send({ event: "trial.started", userId: "g1", userEmail: email("g1") });
    await h.advance(hours(20));
    await h.send({ event: "plan.upgraded", userId: "g1", properties: { plan: "basic" } }); // where fails
    expect((await only("upsell", "g1")).convertedAt).toBeNull();
    await h.advance(hours(4));
    const goal = await h.send({ event: "plan.upgraded", userId: "g1", properties: { plan: "pro" } });
    const run = await only("upsell", "g1");
    expect(run).toMatchObject({ status: "waiting", goalEventId: goal.id, goalEvent: "plan.upgraded" });
    expect(run.convertedAt?.toISOString()).toBe(goal.occurredAt.toISOString());
    expect(run.convertedAt!.getTime() - entered.occurredAt.getTime()).toBe(24 * 3_600_000);
    // Not exitOnGoal: the journey goes on; a second goal event changes nothing.
    await h.advance(days(3));
    await h.send({ event: "plan.upgraded", userId: "g1", properties: { plan: "pro" } });
    expect(await only("upsell", "g1")).toMatchObject({ status: "completed", goalEventId: goal.id });
    expect(await h.emails({ userId: "g1" })).toHaveLength(2);
  });

  it("converts a run that already completed while inside the window, but not one past it", async () => {
    await h.send({ event: "trial.started", userId: "g2", userEmail: email("g2") });
    await h.send({ event: "trial.started", userId: "g3", userEmail: email("g3") });
    await h.advance(days(4)); // both completed at day 3
    const inside = await h.send({ event: "plan.upgraded", userId: "g2", properties: { plan: "pro" } });
    await h.advance(durationToMs(days(3)) + 1); // g3: 7 days and 1 ms after entry
    await h.send({ event: "plan.upgraded", userId: "g3", properties: { plan: "pro" } });
    expect(await only("upsell", "g2")).toMatchObject({ status: "completed", goalEventId: inside.id });
    expect(await only("upsell", "g3")).toMatchObject({ status: "completed", convertedAt: null });
  });

  it("counts an event at exactly `within` and never one from before the entry", async () => {
    await h.send({ event: "plan.upgraded", userId: "g4", properties: { plan: "pro" } });
    await h.send({ event: "trial.started", userId: "g4", userEmail: email("g4") });
    expect((await only("upsell", "g4")).convertedAt).toBeNull();
    await h.advance(days(7));
    const edge = await h.send({ event: "plan.upgraded", userId: "g4", properties: { plan: "pro" } });
    expect((await only("upsell", "g4")).goalEventId).toBe(edge.id);
  });

  it("converts a run entered earlier in the same routed batch", async () => {
    const at = h.clock.now();
    const base = { userId: "g5", userEmail: email("g5"), occurredAt: at, source: "api" as const };
    await insertEvents(h.db, [
      { ...base, messageId: "g5-1", event: "trial.started", properties: {} },
      { ...base, messageId: "g5-2", event: "plan.upgraded", properties: { plan: "pro" } },
    ]);
    await h.drain();
    const [goal] = await h.events({ event: "plan.upgraded", userId: "g5" });
    expect((await only("upsell", "g5")).goalEventId).toBe(goal?.id);
  });

  it("exitOnGoal ends a sleeping run inside the window (exitReason goal); after it, the run carries on", async () => {
    await h.send({ event: "cart.created", userId: "n1", userEmail: email("n1") });
    await h.send({ event: "cart.created", userId: "n2", userEmail: email("n2") });
    await h.advance(days(1));
    const order = await h.send({ event: "order.placed", userId: "n1" });
    const exited = await only("nudge", "n1");
    expect(exited).toMatchObject({ status: "exited", exitEventId: order.id, goalEventId: order.id });
    expect(toRunView(exited)).toMatchObject({ exitReason: "goal", goalEvent: "order.placed" });
    await h.advance(durationToMs(days(1)) + 1); // n2 is now past its 2-day window
    await h.send({ event: "order.placed", userId: "n2" });
    expect(await only("nudge", "n2")).toMatchObject({ status: "waiting", convertedAt: null });
    await h.advance(days(4));
    expect(await h.emails({ userId: "n1" })).toEqual([]);
    expect(await h.emails({ userId: "n2" })).toHaveLength(1);
  });
});

describe("meta.holdout", () => {
  const users = Array.from({ length: 40 }, (_, i) => `h${i}`);

  it("holds out by the hash of (journey, user): held-out runs run nothing and send nothing, yet convert", async () => {
    const expected = new Map(users.map((u) => [u, isHeldOut("onboarding", u, 0.5)]));
    // A fixed hash over fixed ids: both groups are present (a fact about these ids, not luck at run time).
    expect(new Set(expected.values()).size).toBe(2);
    for (const u of users) await h.send({ event: "signed.up", userId: u, userEmail: email(u) });
    await h.advance(hours(2));
    for (const u of users) await h.send({ event: "activated", userId: u });
    await h.advance(days(2));
    for (const u of users) {
      const run = await only("onboarding", u);
      const heldOut = expected.get(u);
      expect(run.status).toBe(heldOut ? "held_out" : "completed");
      expect(run.convertedAt).not.toBeNull(); // both groups convert alike
      if (heldOut) {
        expect(await h.journal(run.id)).toEqual([]);
        expect(run.variants).toEqual({});
        expect(await h.emails({ userId: u })).toEqual([]);
      } else {
        expect(Object.keys(run.variants)).toEqual(["subject"]);
        expect(await h.emails({ userId: u })).toHaveLength(1);
      }
    }
  });

  it("gives a user the same group on every entry, as the assignment function does on every call", async () => {
    for (const u of users.slice(0, 10)) await h.send({ event: "signed.up", userId: u, userEmail: email(u) });
    await h.advance(days(2));
    for (const u of users.slice(0, 10)) {
      const runs = await h.runs({ journeyId: "onboarding", userId: u });
      expect(runs).toHaveLength(2);
      expect(new Set(runs.map((r) => r.status === "held_out")).size).toBe(1);
      expect(isHeldOut("onboarding", u, 0.5)).toBe(isHeldOut("onboarding", u, 0.5));
      // Treatment runs draw the same arm on re-entry (ctx.variant is deterministic per journey and user).
      if (runs[0]?.status !== "held_out") expect(runs[1]?.variants).toEqual(runs[0]?.variants);
    }
  });

  it("holds out the configured fraction of 2,000 routed users, each as the assignment function says", async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `f${i}`);
    await insertEvents(
      h.db,
      ids.map((userId) => ({
        messageId: `f-${userId}`,
        event: "split.me",
        userId,
        userEmail: email(userId),
        properties: {},
        occurredAt: h.clock.now(),
        source: "api" as const,
      })),
    );
    await h.drain();
    const { rows } = await h.db.query<{ user_id: string; status: string }>(
      "SELECT user_id, status FROM journey_runs WHERE journey_id = 'split'",
    );
    expect(rows).toHaveLength(2000);
    for (const row of rows) expect(row.status === "held_out").toBe(isHeldOut("split", row.user_id, 0.1));
    // Binomial(2000, 0.1): 200 ± 13.4 (1 sd); ±54 is 4 sd.
    const held = rows.filter((r) => r.status === "held_out").length;
    expect(Math.abs(held - 200)).toBeLessThan(54);
    expect(ids.filter((u) => holdoutBucket("split", u) < 0.1)).toHaveLength(held);
  });
});

describe("sync facts", () => {
  it("reports journey.held_out instead of journey.entered, and journey.converted once per run", async () => {
    await h.db.query("INSERT INTO sync_destinations (id, kind) VALUES ('posthog', 'posthog')");
    const held = Array.from({ length: 40 }, (_, i) => `s${i}`).find((u) => isHeldOut("onboarding", u, 0.5))!;
    const treated = Array.from({ length: 40 }, (_, i) => `s${i}`).find(
      (u) => !isHeldOut("onboarding", u, 0.5),
    )!;
    for (const u of [held, treated]) {
      await h.send({ event: "signed.up", userId: u, userEmail: email(u) });
      await h.send({ event: "activated", userId: u });
      await h.send({ event: "activated", userId: u });
    }
    const facts = async (userId: string) =>
      (
        await h.db.query<{ type: string; payload: Record<string, unknown> }>(
          "SELECT type, payload FROM sync_outbox WHERE user_id = $1 AND type LIKE 'journey.%' ORDER BY id",
          [userId],
        )
      ).rows;
    expect((await facts(held)).map((f) => f.type)).toEqual(["journey.held_out", "journey.converted"]);
    expect((await facts(held))[1]?.payload).toMatchObject({ heldOut: true, goalEvent: "activated" });
    const treatedFacts = await facts(treated);
    expect(treatedFacts.map((f) => f.type)).toEqual(["journey.entered", "journey.converted"]);
    expect(treatedFacts[1]?.payload).toMatchObject({
      heldOut: false,
      variants: { subject: expect.any(String) },
    });
  });
});
