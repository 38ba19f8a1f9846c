import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isHogsendError } from "../errors.js";
import { hours } from "../lib/duration.js";
import { defineJourney } from "./define-journey.js";
import { createJourneyRegistry, loadJourneys } from "./journey-registry.js";
import type { JourneyMeta } from "./journey-types.js";

const meta = (id: string, extra: Partial<JourneyMeta> = {}): JourneyMeta => ({
  id,
  name: id,
  enabled: true,
  trigger: { event: "go" },
  entryLimit: "unlimited",
  suppress: hours(1),
  ...extra,
});
const journey = (id: string, extra: Partial<JourneyMeta> = {}) =>
  defineJourney({ meta: meta(id, extra), run: () => {} });

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("defineJourney validation", () => {
  it("names the journey and the bad field", () => {
    const error = caught(() =>
      defineJourney({ meta: { ...meta("bad-one"), entryLimit: "sometimes" as "once" }, run: () => {} }),
    );
    expect(isHogsendError(error, "JOURNEY_INVALID")).toBe(true);
    expect(error.message).toContain('Journey "bad-one"');
    expect(error.message).toContain("meta.entryLimit");
  });

  it("requires entryPeriod for once_per_period and a real duration for suppress", () => {
    const period = caught(() => journey("p", { entryLimit: "once_per_period" }));
    expect(period.message).toContain("meta.entryPeriod");
    const suppress = caught(() => journey("s", { suppress: { days: 2 } as never }));
    expect(suppress.message).toContain("meta.suppress");
    const condition = caught(() =>
      journey("w", {
        trigger: {
          event: "go",
          where: [{ type: "property", source: "context", property: "x", operator: "like" as "eq" }],
        },
      }),
    );
    expect(condition.message).toContain("meta.trigger.where.0.operator");
  });
});

describe("goal and holdout validation", () => {
  it("refuses a holdout outside [0, 1) and a goal without a positive window, naming each field", () => {
    const error = caught(() =>
      journey("x", { holdout: 1, goal: { event: "paid", within: hours(0), exitOnGoal: true } }),
    );
    expect(error.message).toContain("meta.holdout: must be below 1");
    expect(error.message).toContain("meta.goal.within: must be longer than zero");
    expect(caught(() => journey("y", { holdout: -0.1 })).message).toContain("meta.holdout");
    const extra = { event: "paid", within: hours(1), exitOnGoal: "yes" as unknown as boolean };
    expect(caught(() => journey("z", { goal: extra })).message).toContain("meta.goal.exitOnGoal");
  });

  it("indexes journeys by their goal event", () => {
    const registry = createJourneyRegistry([
      journey("a", { holdout: 0.1, goal: { event: "paid", within: hours(24) } }),
      journey("b"),
    ]);
    expect(registry.convertedBy("paid").map((j) => j.meta.id)).toEqual(["a"]);
    expect(registry.convertedBy("go")).toEqual([]);
  });
});

describe("registry", () => {
  it("rejects duplicate ids", () => {
    const error = caught(() => createJourneyRegistry([journey("a"), journey("a")]));
    expect(error.message).toContain('Two journeys share the id "a"');
  });

  it("applies ENABLED_JOURNEYS and rejects unknown ids", () => {
    const registry = createJourneyRegistry(
      [journey("a"), journey("b", { exitOn: [{ event: "stop" }] })],
      ["b"],
    );
    expect(registry.journeys.map((j) => j.meta.id)).toEqual(["b"]);
    expect(registry.triggeredBy("go").map((j) => j.meta.id)).toEqual(["b"]);
    expect(registry.exitedBy("stop").map((j) => j.meta.id)).toEqual(["b"]);
    const error = caught(() => createJourneyRegistry([journey("a")], ["a", "ghost"]));
    expect(isHogsendError(error, "CONFIG_INVALID")).toBe(true);
    expect(error.message).toContain("ghost");
  });

  it("loads a module's journeys export or default export and validates plain objects", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "hogsend-journeys-"));
    dirs.push(dir);
    const good = path.join(dir, "good.mjs");
    await writeFile(
      good,
      `export default [{ meta: ${JSON.stringify(meta("from-file"))}, run: async () => {} }];\n`,
    );
    const registry = await loadJourneys(good);
    expect(registry.get("from-file")?.meta.name).toBe("from-file");
    const bad = path.join(dir, "bad.mjs");
    await writeFile(
      bad,
      `export const journeys = [{ meta: ${JSON.stringify({ ...meta("broken"), name: "" })}, run() {} }];\n`,
    );
    await expect(loadJourneys(bad)).rejects.toThrow(
      /Journey "broken" has an invalid meta:\n {2}- meta\.name/,
    );
    const notArray = path.join(dir, "none.mjs");
    await writeFile(notArray, "export const other = 1;\n");
    await expect(loadJourneys(notArray)).rejects.toThrow(/must export an array of journeys/);
  });
});
