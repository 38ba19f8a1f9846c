#!/usr/bin/env node
// Runs before `npm test` (the `pretest` hook). The project's rule is that whatever a test needs is installed by the
// project's own files: Debian's chromium for the browser tests (never a browser download) and Debian's
// redis-server for the tests that start their own Redis. Each tool is checked; a missing one is installed with
// apt-get when we can (root + apt-get), in one apt transaction. Otherwise we say how, and the tests that need it
// skip — except under CI=true, where those tests fail instead of passing silently.
//
// Go tools (promtool, Prometheus' own linter for the /metrics exposition) are `go install`ed at a pinned version
// into a project-local cache, node_modules/.cache/hogsend-tools/bin (GOBIN), so a machine or a CI run builds each
// once. promtool's first build takes minutes (8.6 min measured on a loaded 2-core machine), then about 25 s while
// Go's own build cache is warm (after `npm ci` has emptied node_modules); it is bounded by GO_INSTALL_TIMEOUT_MS.
//
// To add a tool: one entry in TOOLS (how to find it, which Debian package provides it) or GO_TOOLS.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const TOOLS_BIN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "node_modules",
  ".cache",
  "hogsend-tools",
  "bin",
);
const GO_TOOLS = [
  {
    name: "promtool",
    path: process.env.PROMTOOL_PATH ?? path.join(TOOLS_BIN, "promtool"),
    // Prometheus v3.16's module version (Prometheus tags its Go module v0.<minor>.<patch>).
    goPackage: "github.com/prometheus/prometheus/cmd/promtool@v0.316.0",
  },
];
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

function installGoTools() {
  const missingGo = GO_TOOLS.filter((tool) => !existsSync(tool.path));
  if (missingGo.length === 0) return;
  if (spawnSync("sh", ["-c", "command -v go"], { stdio: "ignore" }).status !== 0) {
    console.warn(
      `[pretest] missing: ${missingGo.map((tool) => tool.name).join(", ")} and no Go toolchain to build them; ` +
        "their tests will be skipped (they fail under CI=true).",
    );
    return;
  }
  mkdirSync(TOOLS_BIN, { recursive: true });
  for (const tool of missingGo) {
    const started = Date.now();
    console.log(`[pretest] go install ${tool.goPackage} (one time, a few minutes)…`);
    const result = spawnSync("go", ["install", tool.goPackage], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, GOBIN: path.dirname(tool.path), GOFLAGS: "-mod=mod" },
      timeout: GO_INSTALL_TIMEOUT_MS,
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    if (result.status === 0 && existsSync(tool.path)) {
      console.log(`[pretest] built ${tool.name} in ${seconds} s`);
    } else {
      console.error(
        `[pretest] could not build ${tool.name} (${result.error?.message ?? `exit ${result.status}`} after ` +
          `${seconds} s); its tests will be skipped (they fail under CI=true).`,
      );
    }
  }
}
