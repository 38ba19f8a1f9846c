#!/usr/bin/env node
// Runs before `npm test` (the `pretest` hook). The project's rule is that whatever a test needs is installed by the
// project's own files: Debian's chromium for the browser tests (never a browser download) and Debian's
// redis-server for the tests that start their own Redis. Each tool is checked; a missing one is installed with
// apt-get when we can (root + apt-get), in one apt transaction. Otherwise we say how, and the tests that need it
// skip — except under CI=true, where those tests fail instead of passing silently.
//
// To add a tool: one entry in TOOLS (how to find it, which Debian package provides it).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

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
