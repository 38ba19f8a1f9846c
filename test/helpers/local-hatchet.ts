import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { isLocalHatchetBuilt } from "../../src/journeys/hatchet/build-local-hatchet.js";
import type { HatchetSettings } from "../../src/journeys/hatchet/hatchet-settings.js";
import { HATCHET_ENGINE_VERSION, startLocalHatchet } from "../../src/journeys/hatchet/local-hatchet.js";
import { createLogger } from "../../src/lib/logger.js";
import { testAdminUrl } from "./test-database.js";

// The real Hatchet engine, built once per machine by `npm test`'s pretest hook (scripts/ensure-test-tools.mjs runs
// `hogsend hatchet build`, pinned by tools/hatchet/go.mod) into the same folder. Without it the Hatchet tests skip on a developer's machine; under
// CI=true they fail instead.
export const HATCHET_BIN_DIR =
  process.env.HOGSEND_HATCHET_BIN_DIR ??
  path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"),
    "hogsend-tools",
    `hatchet@${HATCHET_ENGINE_VERSION}`,
  );
export const HAVE_HATCHET = isLocalHatchetBuilt(HATCHET_BIN_DIR);

export interface TestHatchet {
  settings: HatchetSettings;
  /** The engine's own database, for assertions on what Hatchet recorded. */
  databaseUrl: string;
  stop(): Promise<void>;
}

/** A Hatchet engine of this test file's own: a fresh database on the test cluster, free loopback ports. */
export async function startTestHatchet(): Promise<TestHatchet> {
  const database = `hatchet_${randomBytes(5).toString("hex")}`;
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "hogsend-hatchet-"));
  const local = await startLocalHatchet({
    binDir: HATCHET_BIN_DIR,
    postgresUrl: testAdminUrl(),
    database,
    stateDir,
    logger: createLogger({ level: "warn", pretty: false }),
  });
  const databaseUrl = new URL(testAdminUrl());
  databaseUrl.pathname = `/${database}`;
  return {
    settings: local.settings,
    databaseUrl: databaseUrl.toString(),
    async stop() {
      await local.stop();
      const admin = new pg.Client({ connectionString: testAdminUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
      await admin.end();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
