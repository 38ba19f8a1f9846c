import { createServer } from "node:http";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { MetricsSampler } from "../metrics/metrics-sampler.js";

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` in the Prometheus text format on a port of its own (`HOGSEND_METRICS_PORT`), so scrapes never
 * queue behind API traffic and the worker, which has no other port, can be scraped too. Plain `node:http`: one
 * route needs no framework.
 */
export function startMetricsServer(metrics: MetricsSampler, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found: scrape GET /metrics\n");
      return;
    }
    metrics.exposition().then(
      (text) => res.writeHead(200, { "Content-Type": metrics.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { "Content-Type": "text/plain" }).end(String(error)),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new HogsendError(
              ErrorCodes.CONFIG_INVALID,
              `HOGSEND_METRICS_PORT ${port} is already in use; set it to a free port`,
            )
          : error,
      ),
    );
    server.listen(port, "0.0.0.0", () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
