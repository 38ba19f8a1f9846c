import { assertSchemaCurrent, createApp, startApiServer, startMetrics } from "../app.js";
import type { Config } from "../config.js";
import { waitForShutdownSignal } from "./run-command.js";

export async function runApi(config: Config, options: { journeys?: string } = {}): Promise<void> {
  // The api needs journey meta for the admin API; --journeys wins over HOGSEND_JOURNEYS.
  const app = await createApp(options.journeys ? { ...config, journeysModule: options.journeys } : config);
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
