#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs bench/NAME.ts (the same as `npm run bench:NAME -- [args]`);
// `npm run bench` alone lists the benchmarks.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../bench/", import.meta.url));
// Benchmarks are the files with a main; helpers (workers, fixtures) have a dash suffix the bench loads itself.
const names = readdirSync(dir)
  .filter((file) => file.endsWith(".ts") && !/-(worker|fixture)\.ts$/.test(file))
  .map((file) => file.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  if (name) console.error(`unknown benchmark "${name}"`);
  console.error(`usage: npm run bench -- <${names.join("|")}> [args]`);
  process.exit(name ? 1 : 0);
}
const file = `${dir}${name}.ts`;
if (!existsSync(file)) process.exit(1);
const result = spawnSync(
  process.execPath,
  ["--conditions=hogsend-source", "--import", "tsx", file, ...args],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
