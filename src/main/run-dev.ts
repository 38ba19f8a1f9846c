import { createApp, startApiServer, startMetrics, startWorker } from "../app.js";
import type { Config } from "../config.js";
import { migrate } from "../db/migrate.js";
import { examplesConfigPath } from "../project/examples-config.js";
import { loadProject } from "../project/load-project.js";
import { waitForShutdownSignal } from "./run-command.js";
import type { ProjectFlags } from "./run-worker.js";

/** One process for local work: embedded Postgres (unless DATABASE_URL), migrate, api, worker. */
export async function runDev(config: Config, options: ProjectFlags): Promise<void> {
  const started = Date.now();
  const project = await loadProject({
    configPath: options.config ?? config.configFile,
    journeysModule: options.journeys ?? config.journeysModule,
    fallbackConfigPath: examplesConfigPath(),
  });
  const app = await createApp(config, { templates: project.templates, journeys: project.journeys });
  try {
    await migrate(app.db.url, { logger: app.logger });
    const worker = await startWorker(app);
    const server = await startApiServer(app);
    const metrics = await startMetrics(app);
    const base = `http://localhost:${server.port}`;
    const lines = [
      "",
      `  Hogsend dev is running (ready in ${((Date.now() - started) / 1000).toFixed(1)}s)`,
      "",
      `  API        ${base}`,
      `  Health     ${base}/v1/health`,
      `  API key    ${config.bootstrapApiKey ?? "(none: set HOGSEND_API_KEY)"}`,
      `  Database   ${app.embedded ? `embedded Postgres, data in ${app.embedded.dataDir}` : "DATABASE_URL"}`,
      `  Email      ${config.email.provider}${config.email.provider === "capture" ? " (stored, not sent)" : ""}`,
      `  Config     ${project.configPath ?? "(none)"}`,
      `  Journeys   ${project.journeys.map((j) => j.meta.id).join(", ") || "(none)"}`,
      `  Templates  ${project.templates.list().length}`,
      "",
      `  Try: curl -s ${base}/v1/health`,
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    const signal = await waitForShutdownSignal();
    app.logger.info({ signal }, "dev shutting down");
    await server.close();
    await worker.stop(config.worker.shutdownGraceMs);
    await metrics?.close();
  } finally {
    await app.close();
  }
}
