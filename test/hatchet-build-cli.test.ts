import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HATCHET_ENGINE_VERSION } from "../src/journeys/hatchet/local-hatchet.js";
import { HATCHET_BIN_DIR, HAVE_HATCHET } from "./helpers/local-hatchet.js";
import { runCli } from "./helpers/run-cli.js";
import { createTestDatabase } from "./helpers/test-database.js";

// The build itself runs in `npm test`'s pretest (scripts/ensure-test-tools.mjs calls this same command) on a machine
// without the engine; here, what a user sees around it.
describe("hogsend hatchet build", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-hatchet-build-"));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it.runIf(HAVE_HATCHET || process.env.CI === "true")(
    "keeps an engine already built, and says where",
    async () => {
      const result = await runCli(["hatchet", "build"], { HOGSEND_HATCHET_BIN_DIR: HATCHET_BIN_DIR });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        `Hatchet ${HATCHET_ENGINE_VERSION} is already built in ${HATCHET_BIN_DIR} (--force rebuilds it)\n`,
      );
    },
  );

  it("without Go on PATH, refuses with what to do instead and creates nothing", async () => {
    const binDir = path.join(tmp, "engine");
    const result = await runCli(["hatchet", "build"], {
      HOGSEND_HATCHET_BIN_DIR: binDir,
      PATH: "/nonexistent",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/needs Go \(1\.26 or newer\) on PATH.*HATCHET_CLIENT_TOKEN/);
    expect(existsSync(binDir)).toBe(false);
  });

  it("`hogsend dev` with HOGSEND_ENGINE=hatchet and no engine built names the command that builds it", async () => {
    const database = await createTestDatabase();
    try {
      const result = await runCli(["dev"], {
        DATABASE_URL: database.url,
        HOGSEND_ENGINE: "hatchet",
        HOGSEND_HATCHET_BIN_DIR: path.join(tmp, "missing"),
        HOGSEND_DATA_DIR: path.join(tmp, "data"),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("The local Hatchet engine is not built");
      expect(result.stderr).toContain("npx hogsend hatchet build");
    } finally {
      await database.drop();
    }
  });
});
