import { createHash, timingSafeEqual } from "node:crypto";
import { ErrorCodes } from "../errors.js";
import type { MetricsSampler } from "../metrics/metrics-sampler.js";
import { createRouter } from "./openapi-router.js";

/**
 * `GET /metrics` on the api port, for a Prometheus that scrapes the api where it serves traffic. Only mounted
 * when HOGSEND_METRICS_TOKEN is set, and then only for `Authorization: Bearer <token>`, compared in constant time
 * (over SHA-256 digests, so the comparison does not leak the token's length either). Without a token the api
 * serves metrics on HOGSEND_METRICS_PORT alone, which the network can keep private. Not in the OpenAPI document:
 * it is the scraper's contract, not the product's.
 */
export function createMetricsRoutes(options: { metrics: MetricsSampler; token: string }) {
  const expected = digest(options.token);
  return createRouter().get("/metrics", async (c) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1].trim()), expected)) {
      c.header("WWW-Authenticate", 'Bearer realm="metrics"');
      return c.json(
        {
          error: {
            code: ErrorCodes.UNAUTHORIZED,
            message: "GET /metrics needs Authorization: Bearer <HOGSEND_METRICS_TOKEN>",
          },
        },
        401,
      );
    }
    const text = await options.metrics.exposition();
    return c.body(text, 200, { "Content-Type": options.metrics.contentType });
  });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
