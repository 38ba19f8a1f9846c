import { days, defineJourney, hours, minutes } from "hogsend";
// Imported as journey authors do, through the package exports.
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const seen: string[] = [];

const welcome = defineJourney({
  meta: {
    id: "welcome",
    name: "Welcome",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "once",
    suppress: hours(1),
    exitOn: [{ event: "user.deleted" }],
  },
  run: async (user, ctx) => {
    await ctx.checkpoint("start");
    const slept = await ctx.sleep({ duration: days(2), label: "post-welcome" });
    seen.push(`${user.id}:${slept.sleptAt}->${slept.resumedAt}`);
    const { found } = await ctx.history.hasEvent({ userId: user.id, event: "feature.used" });
    await ctx.checkpoint(found ? "branch:advanced" : "branch:nudge");
    await ctx.trigger({ event: found ? "welcome.advanced" : "welcome.nudged", userId: user.id });
    await ctx.sleep({ duration: days(5), label: "final" });
  },
});

let database: TestDatabase;
let harness: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createJourneyHarness({ databaseUrl: database.url, journeys: [welcome] });
});
afterAll(async () => {
  await harness?.close();
  await database?.drop();
});

describe("journey harness: a seven-day journey on virtual time", () => {
  it("runs to completion, taking branches by journaled history reads", async () => {
    await harness.send({ event: "user.created", userId: "u1", userEmail: "u1@example.com" });
    let [run] = await harness.runs({ userId: "u1" });
    expect(run?.status).toBe("waiting");
    expect(run?.currentNodeId).toBe("post-welcome");

    await harness.advance(hours(12));
    await harness.send({ event: "feature.used", userId: "u1" });
    await harness.advance(days(2));
    [run] = await harness.runs({ userId: "u1" });
    expect(run?.status).toBe("waiting");
    expect(run?.currentNodeId).toBe("final");
    expect(await harness.events({ event: "welcome.advanced", userId: "u1" })).toHaveLength(1);
    expect(await harness.events({ event: "welcome.nudged", userId: "u1" })).toHaveLength(0);

    await harness.advance(days(5));
    [run] = await harness.runs({ userId: "u1" });
    expect(run?.status).toBe("completed");
    expect(await harness.events({ event: "journey:completed", userId: "u1" })).toHaveLength(1);
    const journal = await harness.journal(run!.id);
    expect(journal.map((e) => `${e.kind}:${e.label}`)).toEqual([
      "checkpoint:start",
      "sleep:post-welcome",
      "history.hasEvent:feature.used",
      "checkpoint:branch:advanced",
      "trigger:welcome.advanced",
      "sleep:final",
    ]);
    // The sleep woke at its absolute wake time; the replay after the final sleep re-ran the code and got the
    // recorded sleptAt/resumedAt back, not new ones.
    expect(seen).toEqual([
      "u1:2030-01-01T00:00:00.000Z->2030-01-03T00:00:00.000Z",
      "u1:2030-01-01T00:00:00.000Z->2030-01-03T00:00:00.000Z",
    ]);
  });

  it("exits a sleeping run on an exitOn event and cancels its wake-up", async () => {
    await harness.send({ event: "user.created", userId: "u2" });
    const deleted = await harness.send({ event: "user.deleted", userId: "u2" });
    await harness.advance(days(3));
    const [run] = await harness.runs({ userId: "u2" });
    expect(run?.status).toBe("exited");
    expect(run?.exitEventId).toBe(deleted.id);
    expect(run?.dueAt).toBeNull();
    expect(await harness.events({ event: "welcome.nudged", userId: "u2" })).toHaveLength(0);
  });

  it("enters a once journey only once", async () => {
    await harness.send({ event: "user.created", userId: "u3" });
    await harness.send({ event: "user.created", userId: "u3" });
    await harness.advance(days(8));
    await harness.send({ event: "user.created", userId: "u3" });
    expect(await harness.runs({ userId: "u3" })).toHaveLength(1);
    const skips = await harness.skips("welcome");
    expect(skips.already_entered_once).toBe(2);
    await harness.advance(minutes(1));
  });
});
