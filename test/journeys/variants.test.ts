import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineJourney, hours } from "../../src/index.js";
import { pickVariant } from "../../src/journeys/variant-assignment.js";
import { createJourneyHarness, type JourneyHarness } from "../../src/testing/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// The arms a deploy offers; a test changes them mid-run, as a new deploy would.
let arms: Record<string, number> = { a: 1, b: 1 };
const seen: Array<{ userId: string; before: string; after: string }> = [];

const experiment = defineJourney({
  meta: {
    id: "experiment",
    name: "Experiment",
    enabled: true,
    trigger: { event: "go" },
    entryLimit: "unlimited",
    suppress: hours(0),
  },
  run: async (user, ctx) => {
    const before = await ctx.variant("subject", arms);
    await ctx.sleep({ duration: hours(1), label: "wait" });
    const after = await ctx.variant("subject", arms);
    seen.push({ userId: user.id, before, after });
  },
});

const broken = defineJourney({
  meta: {
    id: "broken",
    name: "Broken",
    enabled: true,
    trigger: { event: "broken" },
    entryLimit: "unlimited",
    suppress: hours(0),
  },
  run: async (_user, ctx) => {
    await ctx.variant("x", []);
  },
});

let database: TestDatabase;
let h: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({ databaseUrl: database.url, journeys: [experiment, broken] });
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

describe("ctx.variant", () => {
  it("journals the deterministic arm; a replay after the arms change returns the recorded one", async () => {
    const users = ["v1", "v2", "v3", "v4", "v5", "v6"];
    for (const userId of users) await h.send({ event: "go", userId });
    const expected = Object.fromEntries(
      users.map((userId) => [
        userId,
        pickVariant({ journeyId: "experiment", userId, name: "subject" }, arms).arm,
      ]),
    );
    // Both arms occur among six users (a fixed hash: this is a fact about these ids, not luck at run time).
    expect(new Set(Object.values(expected)).size).toBe(2);
    for (const userId of users) {
      const [run] = await h.runs({ journeyId: "experiment", userId });
      const journal = await h.journal(run!.id);
      expect(journal[0]).toMatchObject({
        kind: "variant",
        label: "subject",
        result: { arm: expected[userId], weights: { a: 1, b: 1 } },
      });
    }
    // A deploy drops arm "a" while the runs sleep: replays still see their recorded arm for the first call; the
    // second call (a new position) is drawn from the new arms.
    arms = { b: 1 };
    await h.advance(hours(1));
    expect(seen.map((s) => [s.userId, s.before, s.after]).sort()).toEqual(
      users.map((userId) => [userId, expected[userId], "b"]).sort(),
    );
    expect((await h.runs({ journeyId: "experiment" })).every((r) => r.status === "completed")).toBe(true);
  });

  it("gives the same user the same arm in every run of the journey", async () => {
    arms = { a: 1, b: 1 };
    seen.length = 0;
    await h.send({ event: "go", userId: "again" });
    await h.advance(hours(1));
    await h.send({ event: "go", userId: "again" });
    await h.advance(hours(1));
    expect(seen).toHaveLength(2);
    expect(seen[0]?.before).toBe(seen[1]?.before);
  });

  it("fails the run at once on arms it cannot draw from", async () => {
    await h.send({ event: "broken", userId: "b1" });
    const [run] = await h.runs({ journeyId: "broken", userId: "b1" });
    expect(run?.status).toBe("failed");
    expect(run?.attempts).toBe(1);
    expect(run?.error).toMatch(/ctx\.variant\("x"\): give at least one arm/);
  });
});
