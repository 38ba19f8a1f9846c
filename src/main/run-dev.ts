import { fileURLToPath } from "node:url";
import { createApp, startApiServer, startMetrics, startWorker } from "../app.js";
import type { Config } from "../config.js";
import { migrate } from "../db/migrate.js";
import { waitForShutdownSignal } from "./run-command.js";

const EXAMPLE_JOURNEYS = fileURLToPath(new URL("../../examples/journeys/index.ts", import.meta.url));

/** One process for local work: embedded Postgres (unless DATABASE_URL), migrate, api, worker, examples. */
export async function runDev(config: Config, options: { journeys?: string }): Promise<void> {
  const started = Date.now();
  const journeysModule = options.journeys ?? config.journeysModule ?? EXAMPLE_JOURNEYS;
  // The api half needs the same journeys as the worker half (journey meta in the admin API).
  const app = await createApp({ ...config, journeysModule });
  try {
    await migrate(app.db.url, { logger: app.logger });
    const worker = await startWorker(app, { journeysModule });
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
      `  Journeys   ${journeysModule}`,
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
