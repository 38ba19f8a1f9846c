import { assertSchemaCurrent, createApp, startMetrics, startWorker } from "../app.js";
import type { Config } from "../config.js";
import { waitForShutdownSignal } from "./run-command.js";

export async function runWorker(config: Config, options: { journeys?: string }): Promise<void> {
  const app = await createApp(config);
  try {
    await assertSchemaCurrent(app);
    const metrics = await startMetrics(app);
    const worker = await startWorker(app, { journeysModule: options.journeys ?? config.journeysModule });
    app.logger.info("worker running");
    const signal = await waitForShutdownSignal();
    app.logger.info({ signal, graceMs: config.worker.shutdownGraceMs }, "worker draining");
    await worker.stop(config.worker.shutdownGraceMs);
    await metrics?.close();
  } finally {
    await app.close();
  }
}
