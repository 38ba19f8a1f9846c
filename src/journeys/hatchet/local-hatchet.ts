import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { ErrorCodes, HogsendError } from "../../errors.js";
import type { Logger } from "../../lib/logger.js";
import type { HatchetSettings } from "./hatchet-settings.js";

const run = promisify(execFile);

/** The Hatchet engine version this release is built and tested against (tools/hatchet/go.mod pins the same). */
export const HATCHET_ENGINE_VERSION = "v0.104.0";
/** Hatchet's seeded tenant: the one a fresh engine creates and its tokens belong to. */
const DEFAULT_TENANT_ID = "707d0855-80ab-4e1f-a156-f1c4546cbf52";
export const HATCHET_BINARIES = ["hatchet-lite", "hatchet-admin", "hatchet-migrate"] as const;

export interface LocalHatchetOptions {
  /** The folder holding hatchet-lite, hatchet-admin and hatchet-migrate (`hogsend hatchet build` makes it). */
  binDir: string;
  /** A Postgres server URL; the engine gets a database of its own there (`database`, created when missing). */
  postgresUrl: string;
  database?: string;
  /** Where the engine's generated config and keys live (kept, so a restart keeps its tokens valid). */
  stateDir: string;
  logger: Logger;
  /** How long to wait for the engine to answer (default 180 s: its first migration takes a while). */
  readyTimeoutMs?: number;
}

export interface LocalHatchet {
  settings: HatchetSettings;
  /** The REST API (also the dashboard's API) base URL. */
  apiUrl: string;
  /** Stops the engine (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/**
 * Starts a real Hatchet engine on this machine for development and tests: Hatchet's own `hatchet-lite` (engine,
 * gRPC and REST in one process, its message queue on Postgres), migrated by `hatchet-migrate`, its keys and an API
 * token made by `hatchet-admin` — the same steps as Hatchet's hatchet-lite image, without Docker. Everything listens
 * on 127.0.0.1, on free ports.
 */
export async function startLocalHatchet(options: LocalHatchetOptions): Promise<LocalHatchet> {
  const log = options.logger.child({ component: "local-hatchet" });
  const missing = HATCHET_BINARIES.filter((name) => !existsSync(path.join(options.binDir, name)));
  if (missing.length > 0) {
    throw new HogsendError(
      ErrorCodes.CONFIG_INVALID,
      `The local Hatchet engine is not built (${missing.join(", ")} missing in ${options.binDir}). ` +
        "Run `npx hogsend hatchet build` (Go 1.26; 10 to 20 minutes the first time), or set HATCHET_CLIENT_TOKEN to " +
        "use a Hatchet you run elsewhere.",
    );
  }
  const database = options.database ?? "hatchet";
  const databaseUrl = await ensureDatabase(options.postgresUrl, database);
  const [grpcPort, apiPort, runtimePort, frontendPort, healthPort] = await freePorts(5);
  const configDir = path.join(options.stateDir, "config");
  const staticDir = path.join(options.stateDir, "static");
  mkdirSync(configDir, { recursive: true });
  mkdirSync(staticDir, { recursive: true });
  // hatchet-lite serves Hatchet's dashboard from here; it is not built (no Node front-end build of Hatchet's), so a
  // page saying so stands in for it. The REST API and gRPC are what Hogsend uses.
  writeFileSync(
    path.join(staticDir, "index.html"),
    "<!doctype html><title>Hatchet</title><p>The local Hatchet engine runs without its dashboard.</p>",
  );
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: databaseUrl,
    DATABASE_MAX_CONNS: "10",
    SERVER_MSGQUEUE_KIND: "postgres",
    SERVER_PORT: String(apiPort),
    SERVER_URL: `http://127.0.0.1:${runtimePort}`,
    SERVER_GRPC_PORT: String(grpcPort),
    SERVER_GRPC_BIND_ADDRESS: "127.0.0.1",
    SERVER_GRPC_BROADCAST_ADDRESS: `127.0.0.1:${grpcPort}`,
    SERVER_INTERNAL_CLIENT_INTERNAL_GRPC_BROADCAST_ADDRESS: `127.0.0.1:${grpcPort}`,
    SERVER_GRPC_INSECURE: "t",
    SERVER_HEALTHCHECK_PORT: String(healthPort),
    SERVER_AUTH_COOKIE_DOMAIN: "127.0.0.1",
    SERVER_AUTH_COOKIE_INSECURE: "t",
    SERVER_AUTH_SET_EMAIL_VERIFIED: "t",
    SERVER_SECURITY_CHECK_ENABLED: "f",
    SERVER_LOGGER_LEVEL: "warn",
    DATABASE_LOGGER_LEVEL: "warn",
    LITE_STATIC_ASSET_DIR: staticDir,
    LITE_FRONTEND_PORT: String(frontendPort),
    LITE_RUNTIME_PORT: String(runtimePort),
  };
  const bin = (name: (typeof HATCHET_BINARIES)[number]) => path.join(options.binDir, name);
  const started = Date.now();
  await run(bin("hatchet-migrate"), [], { env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: unknown) => {
      throw failure("hatchet-migrate", error);
    },
  );
  await run(
    bin("hatchet-admin"),
    ["quickstart", "--skip", "certs", "--generated-config-dir", configDir, "--overwrite=false"],
    { env, timeout: 120_000 },
  ).catch((error: unknown) => {
    throw failure("hatchet-admin quickstart", error);
  });
  const child = spawn(bin("hatchet-lite"), ["--config", configDir], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await waitReady(`http://127.0.0.1:${healthPort}/ready`, child, options.readyTimeoutMs ?? 180_000, output);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const token = await mintToken(bin("hatchet-admin"), configDir, env);
  log.info(
    { grpc: `127.0.0.1:${grpcPort}`, api: env.SERVER_URL, ms: Date.now() - started },
    `local Hatchet ${HATCHET_ENGINE_VERSION} is up`,
  );
  return {
    settings: { token, hostPort: `127.0.0.1:${grpcPort}`, tlsStrategy: "none" },
    apiUrl: `http://127.0.0.1:${runtimePort}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** An API token of the seeded tenant; its claims carry the engine's addresses, so it is minted per start. */
async function mintToken(adminBin: string, configDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(
    adminBin,
    ["token", "create", "--config", configDir, "--tenant-id", DEFAULT_TENANT_ID, "--name", "hogsend-local"],
    { env, timeout: 60_000 },
  ).catch((error: unknown) => {
    throw failure("hatchet-admin token create", error);
  });
  const token = stdout.trim().split("\n").pop()?.trim() ?? "";
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
    throw new HogsendError(
      ErrorCodes.INTERNAL,
      `hatchet-admin token create printed no token: ${stdout.slice(-500)}`,
    );
  }
  return token;
}

async function ensureDatabase(postgresUrl: string, database: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`);
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  if (!url.searchParams.has("sslmode")) url.searchParams.set("sslmode", "disable");
  return url.toString();
}

async function waitReady(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  output: string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new HogsendError(
        ErrorCodes.INTERNAL,
        `hatchet-lite exited with ${child.exitCode} before it was ready:\n${output.join("").slice(-3000)}`,
      );
    }
    const ok = await fetch(url)
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new HogsendError(
    ErrorCodes.INTERNAL,
    `hatchet-lite was not ready after ${timeoutMs} ms:\n${output.join("").slice(-3000)}`,
  );
}

function freePorts(count: number): Promise<number[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<number>((resolve, reject) => {
          const server = net.createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => resolve(port));
          });
        }),
    ),
  );
}

function failure(step: string, error: unknown): HogsendError {
  const detail = error as { stderr?: string; stdout?: string; message?: string };
  return new HogsendError(
    ErrorCodes.INTERNAL,
    `${step} failed: ${(detail.stderr || detail.stdout || detail.message || String(error)).slice(-3000)}`,
  );
}
