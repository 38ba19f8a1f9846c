import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const EXAMPLES_CONFIG = fileURLToPath(new URL("../../examples/hogsend.config.ts", import.meta.url));

/**
 * The examples' config shipped with Hogsend: what `hogsend dev` and `hogsend templates` read when the working
 * directory has no `hogsend.config.ts` and no `--config`/`--journeys` is given (so `npm run dev` in this repository
 * runs the examples). Undefined when the package was installed without them.
 */
export function examplesConfigPath(): string | undefined {
  return existsSync(EXAMPLES_CONFIG) ? EXAMPLES_CONFIG : undefined;
}
