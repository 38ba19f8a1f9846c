#!/usr/bin/env node
// Runs before `npm test` (the `pretest` hook). The project's rule is that whatever a test needs is installed by the
// project's own files: Debian's chromium for the browser tests (never a browser download) and Debian's
// redis-server for the tests that start their own Redis. Each tool is checked; a missing one is installed with
// apt-get when we can (root + apt-get), in one apt transaction. Otherwise we say how, and the tests that need it
// skip — except under CI=true, where those tests fail instead of passing silently.
//
// Go tools (promtool, Prometheus' own linter for the /metrics exposition) are `go install`ed at a pinned version
// into the user's cache, ~/.cache/hogsend-tools/<module@version>/ (GOBIN; $XDG_CACHE_HOME when set), outside the
// checkout so `npm ci` and fresh clones (CI) reuse it: a machine builds each version once. promtool's first build
// takes minutes (8.6 min measured on a loaded 2-core machine); it is bounded by GO_INSTALL_TIMEOUT_MS. A version bump
// gets its own folder, so a stale binary is never used.
//
// To add a tool: one entry in TOOLS (how to find it, which Debian package provides it) or GO_TOOLS.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";

// test/helpers/prometheus-text.ts computes the same path; keep the two in step.
const TOOLS_CACHE = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"),
  "hogsend-tools",
);
// Prometheus v3.16's module version (Prometheus tags its Go module v0.<minor>.<patch>).
const PROMTOOL_PACKAGE = "github.com/prometheus/prometheus/cmd/promtool@v0.316.0";
// The Hatchet engine (HOGSEND_ENGINE=hatchet's tests run against a real one): built by the product's own
// `hogsend hatchet build` (src/journeys/hatchet/build-local-hatchet.ts, pinned by tools/hatchet/go.mod), into the
// folder test/helpers/local-hatchet.ts reads.
const HATCHET_VERSION = "v0.104.0";
const HATCHET_DIR =
  process.env.HOGSEND_HATCHET_BIN_DIR ?? path.join(TOOLS_CACHE, `hatchet@${HATCHET_VERSION}`);
const HATCHET_BINARIES = ["hatchet-lite", "hatchet-admin", "hatchet-migrate"].map((name) =>
  path.join(HATCHET_DIR, name),
);
const GO_TOOLS = [
  {
    name: "promtool",
    path: process.env.PROMTOOL_PATH ?? path.join(TOOLS_CACHE, "promtool@v0.316.0", "promtool"),
    goPackage: PROMTOOL_PACKAGE,
    command: ["install", PROMTOOL_PACKAGE],
  },
];
const isBuilt = (tool) => existsSync(tool.path);
const GO_INSTALL_TIMEOUT_MS = 25 * 60_000;

const TOOLS = [
  { name: "chromium", path: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", aptPackage: "chromium" },
  {
    name: "redis-server",
    path: process.env.REDIS_SERVER_PATH ?? "/usr/bin/redis-server",
    aptPackage: "redis-server",
  },
];

if (process.env.HOGSEND_SKIP_TOOL_INSTALL === "1" || process.env.HOGSEND_SKIP_BROWSER_INSTALL === "1")
  process.exit(0);

installGoTools();
buildHatchet();

const missing = TOOLS.filter((tool) => !existsSync(tool.path));
if (missing.length === 0) process.exit(0);

const names = missing.map((tool) => tool.name).join(", ");
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
if (!isRoot || !hasApt) {
  console.warn(
    `[pretest] missing: ${names}; the tests that need them will be skipped. Install Debian's packages ` +
      `(sudo apt-get install -y ${missing.map((tool) => tool.aptPackage).join(" ")}).`,
  );
  process.exit(0);
}

function run(args) {
  console.log(`[pretest] ${args.join(" ")}`);
  const result = spawnSync(args[0], args.slice(1), {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}

console.log(`[pretest] installing ${names} for the tests (one time)…`);
const ok =
  run(["apt-get", "update", "-q"]) &&
  run([
    "apt-get",
    "install",
    "-y",
    "-q",
    "--no-install-recommends",
    ...missing.map((tool) => tool.aptPackage),
  ]);
for (const tool of missing) {
  if (!ok || !existsSync(tool.path)) {
    console.error(
      `[pretest] could not install ${tool.name}; its tests will be skipped (they fail under CI=true).`,
    );
  }
}

function buildHatchet() {
  if (HATCHET_BINARIES.every((file) => existsSync(file))) return;
  const result = spawnSync(
    process.execPath,
    [path.join(import.meta.dirname, "..", "bin", "hogsend.mjs"), "hatchet", "build"],
    {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, HOGSEND_HATCHET_BIN_DIR: HATCHET_DIR },
      timeout: GO_INSTALL_TIMEOUT_MS,
    },
  );
  if (result.status !== 0) {
    console.error("[pretest] could not build Hatchet; its tests will be skipped (they fail under CI=true).");
  }
}

function installGoTools(tools = GO_TOOLS) {
  const missingGo = tools.filter((tool) => !isBuilt(tool));
  if (missingGo.length === 0) return;
  if (spawnSync("sh", ["-c", "command -v go"], { stdio: "ignore" }).status !== 0) {
    console.warn(
      `[pretest] missing: ${missingGo.map((tool) => tool.name).join(", ")} and no Go toolchain to build them; ` +
        "their tests will be skipped (they fail under CI=true).",
    );
    return;
  }
  for (const tool of missingGo) {
    mkdirSync(path.dirname(tool.path), { recursive: true });
    const started = Date.now();
    console.log(`[pretest] go ${tool.command[0]} ${tool.goPackage} (one time, a few minutes)…`);
    const result = spawnSync("go", tool.command, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, GOBIN: path.dirname(tool.path), GOFLAGS: "-mod=mod" },
      timeout: GO_INSTALL_TIMEOUT_MS,
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    if (result.status === 0 && isBuilt(tool)) {
      console.log(`[pretest] built ${tool.name} in ${seconds} s`);
    } else {
      console.error(
        `[pretest] could not build ${tool.name} (${result.error?.message ?? `exit ${result.status}`} after ` +
          `${seconds} s); its tests will be skipped (they fail under CI=true).`,
      );
    }
  }
}
