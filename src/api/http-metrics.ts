import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { HogsendMetrics } from "../metrics/hogsend-metrics.js";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * Counts every answered request and times it, labelled by the route *template* that matched (`/v1/admin/contacts/
 * :userId`), never the raw path: ids and probes for paths that do not exist would make a label value per request.
 * Unmatched requests share `route="unmatched"`; unusual methods share `method="OTHER"`.
 */
export function httpMetrics(metrics: HogsendMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const method = METHODS.has(c.req.method) ? c.req.method : "OTHER";
      const route = routeTemplate(c);
      const seconds = (performance.now() - started) / 1000;
      metrics.http.requests.inc({ method, route, status: String(c.res.status) });
      metrics.http.duration.observe({ method, route }, seconds);
    }
  };
}

/** The template of the last matched route handler; `app.use` middleware (method ALL, `/*`) does not count. */
function routeTemplate(c: Parameters<MiddlewareHandler>[0]): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route && route.method !== "ALL" && !route.path.includes("*")) return route.path;
  }
  return "unmatched";
}
