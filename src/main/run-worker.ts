import { assertSchemaCurrent, createApp, startMetrics, startWorker } from "../app.js";
import type { Config } from "../config.js";
import { loadProject } from "../project/load-project.js";
import { waitForShutdownSignal } from "./run-command.js";

export interface ProjectFlags {
  /** --config PATH */
  config?: string;
  /** --journeys PATH */
  journeys?: string;
}

export async function runWorker(config: Config, options: ProjectFlags): Promise<void> {
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
    const worker = await startWorker(app);
    app.logger.info("worker running");
    const signal = await waitForShutdownSignal();
    app.logger.info({ signal, graceMs: config.worker.shutdownGraceMs }, "worker draining");
    await worker.stop(config.worker.shutdownGraceMs);
    await metrics?.close();
  } finally {
    await app.close();
  }
}
