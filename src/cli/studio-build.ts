import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../lib/logger.js";

// In this repository, the studio/ workspace (the published package ships dist/studio/ built, and has no studio/).
const WORKSPACE = fileURLToPath(new URL("../../studio/", import.meta.url));
const OUT = path.join(WORKSPACE, "dist");
// What the build is made from: Studio's sources and the typed client it bundles.
const SOURCES = [path.join(WORKSPACE, "src"), fileURLToPath(new URL("../client/", import.meta.url))];

function newestFile(folder: string): number {
  if (!existsSync(folder)) return 0;
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestFile(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** True in a checkout whose studio/dist is missing or older than a file it is built from. */
export function studioBuildIsStale(): boolean {
  if (!existsSync(path.join(WORKSPACE, "package.json"))) return false;
  const index = path.join(OUT, "index.html");
  if (!existsSync(index)) return true;
  return Math.max(...SOURCES.map(newestFile)) > statSync(index).mtimeMs;
}

/**
 * Builds studio/ (Vite, ~10-30 s) into a private folder, then swaps it in as studio/dist, so a server reading
 * the old build or a second build at the same time never sees a half-written one. False when it failed.
 */
export async function buildStudio(options: { quiet?: boolean } = {}): Promise<boolean> {
  let vite: string;
  try {
    const manifest = createRequire(path.join(WORKSPACE, "package.json")).resolve("vite/package.json");
    vite = path.join(path.dirname(manifest), "bin", "vite.js");
  } catch {
    return false;
  }
  const scratch = path.join(WORKSPACE, "node_modules", `.studio-build-${process.pid}-${Date.now()}`);
  mkdirSync(path.dirname(scratch), { recursive: true });
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      process.execPath,
      [vite, "build", "--outDir", scratch, "--emptyOutDir", "--logLevel", options.quiet ? "error" : "warn"],
      { cwd: WORKSPACE, stdio: ["ignore", "inherit", "inherit"] },
    );
    child.once("error", () => resolve(1));
    child.once("exit", (status) => resolve(status));
  });
  if (code !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    return false;
  }
  const old = `${scratch}-old`;
  if (existsSync(OUT)) renameSync(OUT, old);
  renameSync(scratch, OUT);
  rmSync(old, { recursive: true, force: true });
  return true;
}

/**
 * `hogsend dev` serves the built Studio: when this is a checkout and Studio was never built, build it once before
 * the api starts. A failed build is reported and dev carries on without Studio: the api answers /studio with how
 * to build it. To work on Studio itself, `npm run dev:studio` (Vite with HMR, proxying /v1 to this api).
 */
export async function ensureStudioBuild(logger: Logger): Promise<void> {
  // The published package has no studio/ (it ships dist/studio/ built); a checkout that built it has studio/dist.
  if (!existsSync(path.join(WORKSPACE, "package.json")) || existsSync(path.join(OUT, "index.html"))) return;
  process.stdout.write("  Building Studio (first start)…\n");
  if (!(await buildStudio())) {
    logger.warn("Studio did not build (npm ci, then npm run build:studio); dev runs without it");
  }
}
