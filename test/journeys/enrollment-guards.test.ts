import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents } from "../../src/events/event-store.js";
import { days, defineJourney, hours } from "../../src/index.js";
import { createJourneyHarness, type JourneyHarness } from "../../src/testing/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const base = { suppress: hours(1), entryLimit: "unlimited" as const };
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
    enabled: true,
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
    enabled: true,
    entryLimit: "once_per_period",
    entryPeriod: days(7),
    trigger: { event: "g.periodic" },
  },
  run: quick,
});
const sleeper = defineJourney({
  meta: {
    ...base,
    id: "sleeper",
    name: "S",
    enabled: true,
    trigger: { event: "g.sleep" },
    exitOn: [{ event: "g.stop" }],
  },
  run: async (_user, ctx) => {
    await ctx.sleep({ duration: days(1), label: "zz" });
  },
});

let database: TestDatabase;
let h: JourneyHarness;
beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({
    databaseUrl: database.url,
    journeys: [disabled, conditional, periodic, sleeper],
  });
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
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
    expect(await h.runs({ journeyId: "conditional" })).toHaveLength(1);
    expect((await h.runs({ journeyId: "conditional" }))[0]?.userId).toBe("c1");
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

  it("user_unsubscribed", async () => {
    await h.send({ event: "g.sleep", userId: "u1" });
    await h.db.query("UPDATE contacts SET unsubscribed_at = now() WHERE user_id = 'u1'");
    await h.send({ event: "g.stop", userId: "u1" });
    await h.send({ event: "g.sleep", userId: "u1" });
    expect((await h.runs({ journeyId: "sleeper", userId: "u1" })).map((r) => r.status)).toEqual(["exited"]);
    expect(await h.skips("sleeper")).toEqual({ user_unsubscribed: 1 });
  });

  it("already_active while a run of the journey is live", async () => {
    await h.send({ event: "g.sleep", userId: "a1" });
    await h.send({ event: "g.sleep", userId: "a1" });
    expect(await h.runs({ journeyId: "sleeper", userId: "a1" })).toHaveLength(1);
    expect((await h.skips("sleeper")).already_active).toBe(1);
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
