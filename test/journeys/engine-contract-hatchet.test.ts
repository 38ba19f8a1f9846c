import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HatchetSettings } from "../../src/journeys/hatchet/hatchet-settings.js";
import {
  HATCHET_BIN_DIR,
  HAVE_HATCHET,
  startTestHatchet,
  type TestHatchet,
} from "../helpers/local-hatchet.js";
import { defineEngineContract } from "./engine-contract.js";

// The same contract as the Postgres engine's, against a real Hatchet engine (hatchet-lite, built by the pretest hook)
// started for this file. Without the engine this file skips on a developer's machine and fails under CI=true.
const run = HAVE_HATCHET || process.env.CI === "true";

let hatchet: TestHatchet | undefined;
let settings: Promise<HatchetSettings> | undefined;
const engine = () => {
  settings ??= startTestHatchet().then((started) => {
    hatchet = started;
    return started.settings;
  });
  return settings;
};
afterAll(async () => {
  await hatchet?.stop();
});

describe.runIf(!HAVE_HATCHET && process.env.CI === "true")("the Hatchet engine binaries", () => {
  it("are built by the pretest hook", () => {
    expect(HAVE_HATCHET, `hatchet-lite, hatchet-admin, hatchet-migrate missing in ${HATCHET_BIN_DIR}`).toBe(
      true,
    );
  });
});

describe.runIf(run)("on Hatchet", () => {
  beforeAll(async () => {
    await engine();
  }, 300_000);
  defineEngineContract({
    engine: async () => ({ kind: "hatchet", hatchet: await engine() }),
    lostDatabase: false,
  });
});
