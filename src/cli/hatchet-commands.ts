import type { Config } from "../config.js";
import {
  assertGoAvailable,
  buildLocalHatchet,
  defaultHatchetBinDir,
  isLocalHatchetBuilt,
} from "../journeys/hatchet/build-local-hatchet.js";
import { HATCHET_ENGINE_VERSION } from "../journeys/hatchet/local-hatchet.js";

/**
 * `hogsend hatchet build [--force]`: builds the local Hatchet engine that `hogsend dev` starts with
 * HOGSEND_ENGINE=hatchet and no HATCHET_CLIENT_TOKEN (into HOGSEND_HATCHET_BIN_DIR, else the user's cache). A
 * machine builds each version once; a build already there is kept unless --force.
 */
export async function hatchetBuildCommand(config: Config, options: { force?: boolean }): Promise<void> {
  const binDir = config.localHatchetBinDir ?? defaultHatchetBinDir();
  if (isLocalHatchetBuilt(binDir) && !options.force) {
    process.stdout.write(
      `Hatchet ${HATCHET_ENGINE_VERSION} is already built in ${binDir} (--force rebuilds it)\n`,
    );
    return;
  }
  assertGoAvailable();
  process.stdout.write(
    `Building Hatchet ${HATCHET_ENGINE_VERSION} (hatchet-lite, hatchet-admin, hatchet-migrate) with Go into ` +
      `${binDir}: 10 to 20 minutes the first time on 2 cores, seconds once Go's build cache has it…\n`,
  );
  const seconds = await buildLocalHatchet({ binDir, output: process.stderr });
  process.stdout.write(`Built Hatchet ${HATCHET_ENGINE_VERSION} in ${seconds} s\n`);
}
