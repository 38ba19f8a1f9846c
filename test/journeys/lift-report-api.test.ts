import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { insertEvents } from "../../src/events/event-store.js";
import { days, defineJourney, hours } from "../../src/index.js";
import { isHeldOut } from "../../src/journeys/holdout-assignment.js";
import { pickVariant } from "../../src/journeys/variant-assignment.js";
import { createJourneyHarness, type JourneyHarness } from "../../src/testing/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const ADMIN_KEY = "lift-report-test-key-0123456789";

const trial = defineJourney({
  meta: {
    id: "trial",
    name: "Trial",
    enabled: true,
    trigger: { event: "trial.started" },
    entryLimit: "once",
    suppress: hours(0),
    holdout: 0.3,
    goal: { event: "plan.upgraded", within: days(7) },
  },
  run: async (_user, ctx) => {
    await ctx.variant("subject", ["a", "b"]);
  },
});
const plain = defineJourney({
  meta: {
    id: "plain",
    name: "Plain",
    enabled: true,
    trigger: { event: "plain" },
    entryLimit: "once",
    suppress: hours(0),
  },
  run: () => {},
});

let database: TestDatabase;
let h: JourneyHarness;
let app: App;
let api: ReturnType<typeof buildApi>;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({ databaseUrl: database.url, journeys: [trial, plain] });
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY }), {
    databaseUrl: database.url,
    clock: h.clock,
    journeys: [trial, plain],
  });
  api = buildApi(app);
});
afterAll(async () => {
  await app?.close();
  await h?.close();
  await database?.drop();
});

const get = async (path: string) => {
  const res = await api.request(path, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  // biome-ignore lint/suspicious/noExplicitAny: asserted field by field
  return { status: res.status, body: (await res.json()) as any };
};

const event = (userId: string, name: string) => ({
  messageId: `${name}:${userId}`,
  event: name,
  userId,
  userEmail: `${userId}@example.com`,
  properties: {},
  occurredAt: h.clock.now(),
  source: "api" as const,
});

describe("GET /v1/admin/journeys/{journeyId}/lift", () => {
  it("reports per group and per arm what the hash assignments and the conversions add up to", async () => {
    const users = Array.from({ length: 300 }, (_, i) => `u${i}`);
    await insertEvents(
      h.db,
      users.map((u) => event(u, "trial.started")),
    );
    await h.drain();
    await h.advance(days(1));
    // Every third user upgrades; the rest never do.
    const converters = users.filter((_, i) => i % 3 === 0);
    await insertEvents(
      h.db,
      converters.map((u) => event(u, "plan.upgraded")),
    );
    await h.drain();

    // Expected counts, from the assignment functions rather than from the database.
    const tally = () => ({ entered: 0, converted: 0 });
    const control = tally();
    const treatment = tally();
    const arms: Record<string, ReturnType<typeof tally>> = { a: tally(), b: tally() };
    for (const u of users) {
      const converted = converters.includes(u) ? 1 : 0;
      const group = isHeldOut("trial", u, 0.3) ? control : treatment;
      group.entered += 1;
      group.converted += converted;
      if (group === treatment) {
        const arm = arms[pickVariant({ journeyId: "trial", userId: u, name: "subject" }, ["a", "b"]).arm]!;
        arm.entered += 1;
        arm.converted += converted;
      }
    }
    expect(control.converted).toBeGreaterThanOrEqual(10); // a fact about these ids, checked, not assumed

    const { status, body } = await get("/v1/admin/journeys/trial/lift");
    expect(status).toBe(200);
    const report = body.data;
    expect(report).toMatchObject({ journeyId: "trial", holdout: 0.3, minimumConversions: 10 });
    expect(report.goal).toMatchObject({ event: "plan.upgraded" });
    expect(report.control).toEqual({ ...control, conversionRate: control.converted / control.entered });
    expect(report.treatment).toMatchObject({ ...treatment, hiddenReason: null });
    const treatmentRate = treatment.converted / treatment.entered;
    const controlRate = control.converted / control.entered;
    expect(report.treatment.lift.absolute).toBeCloseTo(treatmentRate - controlRate, 12);
    expect(report.treatment.lift.relative).toBeCloseTo((treatmentRate - controlRate) / controlRate, 12);
    expect(report.treatment.lift.winProbability).toBeGreaterThan(0);
    expect(report.treatment.lift.winProbability).toBeLessThan(1);
    expect(report.variants.map((v: { arm: string }) => v.arm)).toEqual(["a", "b"]);
    for (const v of report.variants) {
      expect(v).toMatchObject({ experiment: "subject", ...arms[v.arm] });
    }
  });

  it("hides lift with a reason for a journey without a goal, and 404s an unknown journey", async () => {
    await h.send({ event: "plain", userId: "p1" });
    const { status, body } = await get("/v1/admin/journeys/plain/lift");
    expect(status).toBe(200);
    expect(body.data).toMatchObject({
      goal: null,
      holdout: null,
      control: { entered: 0, converted: 0, conversionRate: null },
      treatment: { entered: 1, converted: 0, lift: null, hiddenReason: "no_goal" },
      variants: [],
    });
    expect((await get("/v1/admin/journeys/ghost/lift")).status).toBe(404);
  });

  it("shows held_out runs, their conversion and a run's variants in the runs API", async () => {
    const held = Array.from({ length: 300 }, (_, i) => `u${i}`).find((u) => isHeldOut("trial", u, 0.3))!;
    const { body } = await get(`/v1/admin/journeys/trial/runs?userId=${held}`);
    expect(body.data[0]).toMatchObject({ status: "held_out", variants: {}, exitReason: null });
    const filtered = await get("/v1/admin/journeys/trial/runs?status=held_out&limit=1");
    expect(filtered.status).toBe(200);
    expect(filtered.body.data[0].status).toBe("held_out");
    const list = await get("/v1/admin/journeys");
    const trialJourney = list.body.data.find((j: { id: string }) => j.id === "trial");
    expect(trialJourney.runs.held_out).toBeGreaterThan(0);
  });
});
