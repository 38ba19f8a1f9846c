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
  // Label-bound children, cached: resolving a label set hashes it on every call, which cost more than the rest.
  const counters = new Map<string, ReturnType<HogsendMetrics["http"]["requests"]["labels"]>>();
  const timers = new Map<string, ReturnType<HogsendMetrics["http"]["duration"]["labels"]>>();
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const method = METHODS.has(c.req.method) ? c.req.method : "OTHER";
      const route = routeTemplate(c);
      const status = String(c.res.status);
      const timerKey = `${method} ${route}`;
      const counterKey = `${timerKey} ${status}`;
      let counter = counters.get(counterKey);
      if (!counter) {
        counter = metrics.http.requests.labels({ method, route, status });
        counters.set(counterKey, counter);
      }
      let timer = timers.get(timerKey);
      if (!timer) {
        timer = metrics.http.duration.labels({ method, route });
        timers.set(timerKey, timer);
      }
      counter.inc();
      timer.observe((performance.now() - started) / 1000);
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
