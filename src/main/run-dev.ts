import { type ChildProcess, fork } from "node:child_process";
import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApp, mintFirstStudioAdmin, startApiServer, startMetrics, startWorker } from "../app.js";
import { ensureStudioBuild } from "../cli/studio-build.js";
import type { Config } from "../config.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../db/embedded-postgres.js";
import { migrate } from "../db/migrate.js";
import { isHogsendError } from "../errors.js";
import { defaultHatchetBinDir } from "../journeys/hatchet/build-local-hatchet.js";
import {
  HATCHET_ENGINE_VERSION,
  type LocalHatchet,
  startLocalHatchet,
} from "../journeys/hatchet/local-hatchet.js";
import { createLogger } from "../lib/logger.js";
import { examplesConfigPath } from "../project/examples-config.js";
import { findConfigFile, loadProject } from "../project/load-project.js";
import { waitForShutdownSignal } from "./run-command.js";
import type { ProjectFlags } from "./run-worker.js";

// The CLI the child runs: compiled, `cli.js` beside this file (what the published package has); from source in this
// repository, `bin/hogsend.mjs`, which registers tsx (bin/ is not published).
const CLI = fileURLToPath(
  import.meta.url.endsWith(".ts")
    ? new URL("../../bin/hogsend.mjs", import.meta.url)
    : new URL("./cli.js", import.meta.url),
);
/** Set on the child that serves, so it knows the parent owns the database and the restarts. */
const CHILD_FLAG = "HOGSEND_DEV_SERVE";
const IGNORED = /(^|[/\\])(node_modules|\.hogsend|\.git|dist|coverage)([/\\]|$)/;
const DEBOUNCE_MS = 150;

/**
 * `hogsend dev`: local development in one command. The parent keeps what outlives a code change: the embedded
 * Postgres (unless DATABASE_URL) and its migrations. The api and worker run in a child process that loads the
 * project (journeys and templates); when a file in the project's folder changes, the parent stops that child
 * and starts a new one. Runs sleeping on the old code replay the new code when they wake, as in a deploy (a
 * change that breaks their journal fails them with NONDETERMINISTIC_JOURNEY); a change that does not load
 * (a syntax error, an unknown template key) is reported and the next save is awaited.
 */
export async function runDev(config: Config, options: ProjectFlags): Promise<void> {
  if (process.env[CHILD_FLAG] === "1") return serveDev(config, options);
  const started = Date.now();
  const logger = createLogger({ level: config.logLevel, pretty: true, name: "hogsend-dev" });
  const configPath = findConfigFile({
    configPath: options.config ?? config.configFile,
    journeysModule: options.journeys ?? config.journeysModule,
    fallbackConfigPath: examplesConfigPath(),
  });
  const journeysModule = options.journeys ?? config.journeysModule;
  const watched = [
    configPath ? path.dirname(configPath) : process.cwd(),
    ...(journeysModule ? [path.dirname(path.resolve(journeysModule))] : []),
  ];

  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, "postgres"),
      port: config.embeddedPostgresPort,
      logger,
    });
    databaseUrl = embedded.url;
  }
  const watchers: FSWatcher[] = [];
  let child: ChildProcess | undefined;
  let stopping = false;
  let hatchet: LocalHatchet | undefined;
  try {
    // HOGSEND_ENGINE=hatchet with no HATCHET_CLIENT_TOKEN: a local Hatchet engine (hatchet-lite) on the same
    // Postgres, kept across reloads like the database. First, so an engine not built yet is said at once.
    if (config.engine.kind === "hatchet" && config.engine.hatchet === undefined) {
      hatchet = await startLocalHatchet({
        binDir: config.localHatchetBinDir ?? defaultHatchetBinDir(),
        postgresUrl: databaseUrl,
        stateDir: path.join(config.dataDir, "hatchet"),
        logger,
      });
    }
    await migrate(databaseUrl, { logger });
    await ensureStudioBuild(logger);
    const args = [CLI, "dev", ...(configPath ? ["--config", configPath] : [])];
    if (journeysModule) args.push("--journeys", journeysModule);
    const env = {
      ...process.env,
      [CHILD_FLAG]: "1",
      DATABASE_URL: databaseUrl,
      ...(hatchet
        ? {
            HATCHET_CLIENT_TOKEN: hatchet.settings.token,
            HATCHET_CLIENT_HOST_PORT: hatchet.settings.hostPort,
            HATCHET_CLIENT_TLS_STRATEGY: hatchet.settings.tlsStrategy,
          }
        : {}),
    };
    const dataNote =
      (embedded ? `embedded Postgres, data in ${embedded.dataDir}` : "DATABASE_URL") +
      (config.engine.kind === "hatchet"
        ? `\n  Engine     Hatchet (${hatchet ? `local hatchet-lite ${HATCHET_ENGINE_VERSION}, ${hatchet.apiUrl}` : "HATCHET_CLIENT_TOKEN"})`
        : "");

    let generation = 0;
    const start = () => {
      const current = ++generation;
      const spawned = fork(args[0] ?? CLI, args.slice(1), {
        env,
        stdio: ["inherit", "inherit", "inherit", "ipc"],
      });
      child = spawned;
      spawned.on("message", (message: { ready?: boolean; port?: number }) => {
        if (!message.ready) return;
        const ready = ((Date.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          current === 1
            ? `\n  Hogsend dev is running (ready in ${ready}s); watching ${watched.join(", ")}\n  Database   ${dataNote}\n\n`
            : "  Reloaded.\n",
        );
      });
      spawned.once("exit", (code) => {
        if (child === spawned) child = undefined;
        if (!stopping && current === generation && code !== 0) {
          process.stderr.write("  hogsend dev: the project did not start; fix it and save to reload.\n");
        }
      });
    };
    const stopChild = async () => {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.kill("SIGTERM");
      const timer = setTimeout(() => running.kill("SIGKILL"), config.worker.shutdownGraceMs + 5_000);
      await exited;
      clearTimeout(timer);
    };

    let debounce: NodeJS.Timeout | undefined;
    let restarting = Promise.resolve();
    const changed = (file: string) => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        restarting = restarting.then(async () => {
          if (stopping) return;
          process.stdout.write(`  ${file} changed: reloading journeys and templates…\n`);
          await stopChild();
          if (!stopping) start();
        });
      }, DEBOUNCE_MS);
    };
    for (const dir of new Set(watched)) {
      watchers.push(
        watch(dir, { recursive: true }, (_event, name) => {
          const file = name ? String(name) : "";
          if (file === "" || IGNORED.test(file) || !/\.(m?[jt]sx?|json)$/.test(file)) return;
          changed(path.join(dir, file));
        }),
      );
    }
    start();
    const signal = await waitForShutdownSignal();
    stopping = true;
    clearTimeout(debounce);
    logger.info({ signal }, "dev shutting down");
    await restarting;
    await stopChild();
  } finally {
    for (const w of watchers) w.close();
    await hatchet?.stop();
    await embedded?.stop();
  }
}

/** The child of `hogsend dev`: api and worker on the parent's database, with the project loaded afresh. */
async function serveDev(config: Config, options: ProjectFlags): Promise<void> {
  // The parent died (even by SIGKILL): the IPC channel closes, and this child must not outlive it on the port.
  process.once("disconnect", () => process.exit(0));
  let project: Awaited<ReturnType<typeof loadProject>>;
  try {
    project = await loadProject({
      configPath: options.config ?? config.configFile,
      journeysModule: options.journeys ?? config.journeysModule,
    });
  } catch (error) {
    process.stderr.write(
      `hogsend dev: ${isHogsendError(error) ? error.message : String((error as Error)?.stack)}\n`,
    );
    process.exit(1);
  }
  const app = await createApp(config, {
    templates: project.templates,
    journeys: project.journeys,
    alerts: project.alerts,
    sources: project.sources,
  });
  try {
    const login = await mintFirstStudioAdmin(app, { dev: true });
    const worker = await startWorker(app);
    const server = await startApiServer(app);
    const metrics = await startMetrics(app);
    const base = `http://localhost:${server.port}`;
    const lines = [
      `  API        ${base}`,
      `  Health     ${base}/v1/health`,
      `  API key    ${config.bootstrapApiKey ?? "(none: set HOGSEND_API_KEY)"}`,
      `  Studio     ${base}/studio/`,
      `  Login      ${studioLoginLine(login)}`,
      `  Email      ${config.email.provider}${config.email.provider === "capture" ? ` (stored, not sent: ${base}/v1/admin/mailbox)` : ""}`,
      `  Config     ${project.configPath ?? "(none)"}`,
      `  Journeys   ${project.journeys.map((j) => j.meta.id).join(", ") || "(none)"}`,
      `  Templates  ${
        project.templates
          .list()
          .map((t) => t.key)
          .join(", ") || "(none)"
      }`,
      "",
      `  Try: curl -s ${base}/v1/health`,
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    process.send?.({ ready: true, port: server.port });
    const signal = await waitForShutdownSignal();
    app.logger.debug({ signal }, "dev child stopping");
    await server.close();
    await worker.stop(config.worker.shutdownGraceMs);
    await metrics?.close();
  } finally {
    await app.close();
    // The IPC channel to the parent would keep this process alive after everything else closed.
    process.disconnect?.();
  }
}

function studioLoginLine(login: Awaited<ReturnType<typeof mintFirstStudioAdmin>>): string {
  if (!login) return "(no admin: set STUDIO_ADMIN_EMAIL)";
  const password = login.password ?? "(the password set when it was created)";
  return `sign in as ${login.email} / ${password}`;
}
