import type { ServerOptions } from "node:http";
import type { Config } from "../config.js";

/**
 * Timeouts for the api's Node server. Node's defaults give a client 60 s to send its headers and 300 s to send
 * its request, so a few hundred clients that stall mid-request held their sockets and buffered bodies for
 * minutes. The request timeout covers the whole upload, streamed contact imports included.
 */
export function httpServerOptions(http: Config["http"]): ServerOptions {
  return {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    // Node only looks for requests past those deadlines every connectionsCheckingInterval (30 s by default),
    // which would let a stalled client stay that much longer than its timeout.
    connectionsCheckingInterval: Math.min(1_000, http.headersTimeoutMs),
  };
}
