import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCodes, HogsendError } from "../../errors.js";
import { HATCHET_BINARIES, HATCHET_ENGINE_VERSION } from "./local-hatchet.js";

/**
 * The Go module that pins the engine (tools/hatchet: go.mod, go.sum), shipped in the package. Three folders up
 * from both src/journeys/hatchet/ and dist/journeys/hatchet/ is the package root.
 */
const PIN_DIR = fileURLToPath(new URL("../../../tools/hatchet/", import.meta.url));

/**
 * Where the local engine's binaries live unless HOGSEND_HATCHET_BIN_DIR says otherwise: the user's cache, outside
 * any checkout, so every project and clone on the machine shares one build per version.
 */
export function defaultHatchetBinDir(): string {
  return path.join(os.homedir(), ".cache", "hogsend-tools", `hatchet@${HATCHET_ENGINE_VERSION}`);
}

export const isLocalHatchetBuilt = (binDir: string): boolean =>
  HATCHET_BINARIES.every((name) => existsSync(path.join(binDir, name)));

/** Refuses, with what to do instead, when the machine has no Go to build the engine with. */
export function assertGoAvailable(): void {
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) {
    throw new HogsendError(
      ErrorCodes.CONFIG_INVALID,
      "Building the local Hatchet engine needs Go (1.26 or newer) on PATH: install it from go.dev, or set " +
        "HATCHET_CLIENT_TOKEN to use a Hatchet you run elsewhere (Hatchet Cloud or self-hosted)",
    );
  }
}

/**
 * Builds hatchet-lite, hatchet-admin and hatchet-migrate at the pinned version with the machine's Go, into `binDir`.
 * `go build` in the pin's module, not `go install MODULE@VERSION`: the Go module proxy refuses Hatchet's version
 * list, which `go install` reads, while it serves the pinned version itself (see tools/hatchet/tools.go). Go's
 * own output (downloads, errors) goes to `output`. Returns the seconds it took.
 */
export async function buildLocalHatchet(options: {
  binDir: string;
  output: NodeJS.WritableStream;
  timeoutMs?: number;
}): Promise<number> {
  assertGoAvailable();
  mkdirSync(options.binDir, { recursive: true });
  const started = Date.now();
  const child = spawn(
    "go",
    [
      "build",
      "-mod=mod",
      // The engine reports this version to the SDK, which turns on durable-task eviction from v0.80.0 on.
      `-ldflags=-s -w -X main.Version=${HATCHET_ENGINE_VERSION}`,
      "-o",
      `${options.binDir}${path.sep}`,
      ...HATCHET_BINARIES.map((name) => `github.com/hatchet-dev/hatchet/cmd/${name}`),
    ],
    { cwd: PIN_DIR, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout.pipe(options.output, { end: false });
  child.stderr.pipe(options.output, { end: false });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 40 * 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  }).finally(() => clearTimeout(timer));
  if (code !== 0 || !isLocalHatchetBuilt(options.binDir)) {
    throw new HogsendError(
      ErrorCodes.INTERNAL,
      `go build of Hatchet ${HATCHET_ENGINE_VERSION} failed (${code === null ? "timed out" : `exit ${code}`}); ` +
        "its output is above",
    );
  }
  return Math.round((Date.now() - started) / 1000);
}
