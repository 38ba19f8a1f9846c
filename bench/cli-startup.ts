/**
 * `npm run bench -- cli-startup [--runs N] [--no-build]`
 *
 * How long the CLI takes to start, compiled (`dist/main/cli.js`, what the package and the image run) against
 * the baseline measured in the same run: the same CLI from TypeScript source through tsx (`bin/hogsend.mjs`,
 * what production ran before `npm run build` existed), with tsx's compile cache warm and with it off (a first
 * start on a fresh machine or container). Each variant, N times (default 5; the median is reported):
 *   - `hogsend --help`: spawn to exit (goal: under 0.5 s compiled);
 *   - `hogsend api`: spawn to the first 200 from GET /v1/health;
 *   - `hogsend worker --journeys examples/journeys/index.ts`: spawn to "worker running" — includes loading the
 *     user's TypeScript journeys, through tsx's registered loader in the compiled case.
 * Runs `npm run build` first (skip with --no-build when dist/ is current), against an embedded Postgres in a temp
 * dir (or DATABASE_URL). Bounded: every start is killed after 60 s, and the whole run stops after 5 minutes.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { freePort } from "../test/helpers/run-cli.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const COMPILED = path.join(ROOT, "dist/main/cli.js");
const SOURCE = path.join(ROOT, "bin/hogsend.mjs");
const JOURNEYS = path.join(ROOT, "examples/journeys/index.ts");
const START_TIMEOUT_MS = 60_000;
const DEADLINE = Date.now() + 5 * 60_000;

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
const RUNS = Math.min(arg("runs", 5), 20);
const say = (line: string) => process.stdout.write(`${line}\n`);

interface Variant {
  name: string;
  entry: string;
  env: Record<string, string>;
}
const VARIANTS: Variant[] = [
  { name: "compiled (dist/)", entry: COMPILED, env: {} },
  { name: "tsx from source, warm cache", entry: SOURCE, env: {} },
  { name: "tsx from source, no cache", entry: SOURCE, env: { TSX_DISABLE_CACHE: "1" } },
];

type Measure = "help" | "api" | "worker";

async function main() {
  if (!process.argv.includes("--no-build") || !existsSync(COMPILED)) {
    const started = performance.now();
    const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build failed");
    say(`npm run build: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let url = process.env.DATABASE_URL;
  try {
    if (!url) {
      tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-cli-"));
      embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
      url = embedded.url;
    }
    await migrate(url);
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      DATABASE_URL: url,
      REDIS_URL: "redis://127.0.0.1:6379",
      BETTER_AUTH_SECRET: "bench-cli-startup-secret-0123456789abcdef",
      API_PUBLIC_URL: "http://127.0.0.1",
      EMAIL_PROVIDER: "smtp",
      SMTP_URL: "smtp://127.0.0.1:2525",
      EMAIL_FROM: "bench@example.com",
    };
    const results = new Map<string, number[]>();
    // Interleaved (variant by variant within each round), so machine load drifts evenly over all of them.
    for (let round = 0; round < RUNS && Date.now() < DEADLINE; round++) {
      for (const measure of ["help", "api", "worker"] as const) {
        for (const variant of VARIANTS) {
          const ms = await startOnce(variant, measure, { ...env, ...variant.env });
          const key = `${measure}\t${variant.name}`;
          results.set(key, [...(results.get(key) ?? []), ms]);
        }
      }
    }
    report(results);
  } finally {
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/** One start, in ms: to exit (help), to the first healthy answer (api), to "worker running" (worker). */
async function startOnce(variant: Variant, measure: Measure, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const args =
    measure === "help" ? ["--help"] : measure === "api" ? ["api"] : ["worker", "--journeys", JOURNEYS];
  const started = performance.now();
  const child = spawn(process.execPath, [variant.entry, ...args], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
  try {
    if (measure === "help") {
      const code = await exited;
      if (code !== 0) throw new Error(`${variant.name} --help exited ${code}: ${output}`);
      return performance.now() - started;
    }
    const ready =
      measure === "api"
        ? () => healthy(port)
        : () => Promise.resolve(output.includes('"worker running"') || output.includes("worker running"));
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${variant.name} ${measure} exited early: ${output}`);
      if (await ready()) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await stop(child, exited);
    clearTimeout(timer);
  }
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/health`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null) child.kill("SIGTERM");
  await exited;
}

function report(results: Map<string, number[]>): void {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  say("");
  say("command                          | variant                        | median  | min     | vs compiled");
  say("---------------------------------|--------------------------------|---------|---------|------------");
  for (const measure of ["help", "api", "worker"] as const) {
    const baseline = median(results.get(`${measure}\t${VARIANTS[0]?.name}`) ?? []);
    for (const variant of VARIANTS) {
      const values = results.get(`${measure}\t${variant.name}`) ?? [];
      if (values.length === 0) continue;
      const label =
        measure === "help"
          ? "hogsend --help"
          : measure === "api"
            ? "hogsend api (to healthy)"
            : "hogsend worker (TS journeys)";
      say(
        `${label.padEnd(32)} | ${variant.name.padEnd(30)} | ${seconds(median(values)).padEnd(7)} | ${seconds(
          Math.min(...values),
        ).padEnd(7)} | ${(median(values) / baseline).toFixed(2)}x`,
      );
    }
  }
  say(`\n(${RUNS} runs each, interleaved; machine: ${os.cpus().length} cores, Node ${process.version})`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
