import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findStudioDir } from "../api/studio-routes.js";
import type { Logger } from "../lib/logger.js";

// In this repository, the studio/ workspace (the published package ships dist/studio/ built, and has no studio/).
const WORKSPACE = fileURLToPath(new URL("../../studio/", import.meta.url));

/**
 * `hogsend dev` serves the built Studio: when this is a checkout and Studio was never built, build it once
 * (Vite, ~10-30 s) before the api starts. A failed build is reported and dev carries on without Studio: the api
 * answers /studio with how to build it. For live editing of Studio itself, `npm run dev:studio` (Vite with HMR,
 * proxying /v1 to this api) is the way; see the README.
 */
export async function ensureStudioBuild(logger: Logger): Promise<void> {
  if (findStudioDir() !== undefined) return;
  if (!existsSync(path.join(WORKSPACE, "package.json"))) return;
  let vite: string;
  try {
    const manifest = createRequire(path.join(WORKSPACE, "package.json")).resolve("vite/package.json");
    vite = path.join(path.dirname(manifest), "bin", "vite.js");
  } catch {
    logger.warn("Studio is not built and vite is not installed (npm ci); /studio will say how to build it");
    return;
  }
  process.stdout.write("  Building Studio (first start)…\n");
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], {
      cwd: WORKSPACE,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", () => resolve(1));
    child.once("exit", (status) => resolve(status));
  });
  if (code !== 0)
    logger.warn({ code }, "Studio build failed; dev runs without it (npm run build:studio to retry)");
}
