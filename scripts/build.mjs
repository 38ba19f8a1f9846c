#!/usr/bin/env node
// `npm run build` (also `prepack`): compiles src/ to dist/ with tsconfig.build.json — JS, declarations and
// source maps — from a clean dist/, so a file deleted from src/ cannot linger in the package; then builds Studio
// (the studio/ workspace, Vite) into dist/studio/, which `hogsend api` serves at /studio.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});
if (result.status !== 0) process.exit(result.status ?? 1);
// package.json's bin: executable, so it also runs through a symlink (the Dockerfile links it onto PATH).
chmodSync(new URL("../dist/main/cli.js", import.meta.url), 0o755);
// /docs serves Scalar's standalone bundle; shipping the one file keeps @scalar/api-reference (and the Vue and
// TypeScript it depends on) a devDependency, out of production installs and the image.
mkdirSync(new URL("../dist/assets", import.meta.url), { recursive: true });
copyFileSync(
  createRequire(import.meta.url).resolve("@scalar/api-reference/browser/standalone.js"),
  new URL("../dist/assets/scalar-standalone.js", import.meta.url),
);
// Studio: a static build; its dependencies are the workspace's devDependencies, so none reach a production install.
// vite's package exports do not include its bin, so it is found beside its package.json.
const vitePackage = createRequire(new URL("../studio/package.json", import.meta.url)).resolve(
  "vite/package.json",
);
const studio = spawnSync(
  process.execPath,
  [join(dirname(vitePackage), "bin", "vite.js"), "build", "--logLevel", "warn"],
  {
    cwd: new URL("../studio", import.meta.url),
    stdio: "inherit",
  },
);
if (studio.status !== 0) process.exit(studio.status ?? 1);
cpSync(new URL("../studio/dist", import.meta.url), new URL("../dist/studio", import.meta.url), {
  recursive: true,
});
