import { assertSchemaCurrent, createApp, startApiServer, startMetrics } from "../app.js";
import type { Config } from "../config.js";
import { loadProject } from "../project/load-project.js";
import { waitForShutdownSignal } from "./run-command.js";
import type { ProjectFlags } from "./run-worker.js";

export async function runApi(config: Config, options: ProjectFlags = {}): Promise<void> {
  // The api validates sends and renders previews with the project's templates, and shows its journeys' meta.
  const project = await loadProject({
    configPath: options.config ?? config.configFile,
    journeysModule: options.journeys ?? config.journeysModule,
  });
  const app = await createApp(config, {
    templates: project.templates,
    journeys: project.journeys,
    alerts: project.alerts,
  });
  try {
    await assertSchemaCurrent(app);
    const metrics = await startMetrics(app);
    const server = await startApiServer(app);
    app.logger.info({ port: server.port }, "api listening");
    const signal = await waitForShutdownSignal();
    app.logger.info({ signal }, "api shutting down");
    await server.close();
    await metrics?.close();
  } finally {
    await app.close();
  }
}
