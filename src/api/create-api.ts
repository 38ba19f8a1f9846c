import { randomUUID } from "node:crypto";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { type Authenticator, createApiKeyAuthenticator } from "../auth/authenticate-api-key.js";
import type { StudioAuth } from "../auth/studio/studio-auth.js";
import type { Database } from "../db/database.js";
import type { TemplateRegistry } from "../email/templates/template-registry.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Logger } from "../lib/logger.js";
import type { HogsendMetrics } from "../metrics/hogsend-metrics.js";
import type { MetricsSampler } from "../metrics/metrics-sampler.js";
import type { ApiEnv } from "./api-env.js";
import { clientIp } from "./client-ip.js";
import { buildOpenApiDocument, createDocsRoutes } from "./docs-routes.js";
import { errorResponse } from "./error-response.js";
import { createHealthRoutes, type HealthOptions } from "./health-routes.js";
import { httpMetrics } from "./http-metrics.js";
import { createMetricsRoutes } from "./metrics-routes.js";
import { createRouter } from "./openapi-router.js";
import type { SharedRateLimiter } from "./shared-rate-limiter.js";
import { createStudioAuthRoutes } from "./studio-auth-routes.js";
import { createStudioRoutes } from "./studio-routes.js";

export interface ApiDependencies {
  db: Database;
  logger: Logger;
  maxBodyBytes: number;
  bootstrapApiKey: string | undefined;
  /** The key checker; by default one that hears no revocations from other processes (1 s cache). */
  authenticate?: Authenticator;
  version: string;
  /** The project's templates (for sends and previews). */
  templates: TemplateRegistry;
  /** Public route groups (ingest, send, webhooks, links in emails); each brings its own auth. */
  routes?: ReadonlyArray<(deps: RouteContext) => RouteGroup>;
  /** The admin sub-app, mounted at `/v1/admin` (see createAdminApi). */
  admin?: (deps: RouteContext) => RouteGroup;
  /** A per client IP limit on every request but the health checks (HOGSEND_IP_RATE_LIMIT). */
  ipLimit?: { limiter: SharedRateLimiter } | undefined;
  /** The built Studio's folder (served at /studio); by default found beside the server (studio-routes.ts). */
  studioDir?: string;
  /** Studio logins: Better Auth at `/v1/auth/*`, and sessions accepted on `/v1/admin/*`. */
  studio?: StudioAccess;
  /** HOGSEND_TRUSTED_PROXY_HEADER: where the client IP comes from (else the socket). */
  trustedProxyHeader?: string | undefined;
  /** This process's metrics: HTTP requests are counted and timed, and route groups count what they do. */
  metrics?: HogsendMetrics;
  /** Serves `GET /metrics` on the api, behind this bearer token (HOGSEND_METRICS_TOKEN). */
  metricsEndpoint?: { sampler: MetricsSampler; token: string };
  /** What `/v1/health` reports besides the schema: workers' heartbeats and queue lag. */
  health?: HealthOptions;
}

export interface StudioAccess {
  auth: StudioAuth;
  /** Origins (scheme://host[:port]) allowed to make cookie-authenticated changes. */
  trustedOrigins: readonly string[];
}

// biome-ignore lint/suspicious/noExplicitAny: a group's own route types do not matter to the root app.
export type RouteGroup = OpenAPIHono<ApiEnv, any, any>;

export interface RouteContext {
  db: Database;
  logger: Logger;
  authenticate: Authenticator;
  templates: TemplateRegistry;
  studio?: StudioAccess | undefined;
  /** Undefined when the api was built without metrics (tests that build route groups alone). */
  metrics: HogsendMetrics | undefined;
}

const STREAMED_UPLOADS = new Set(["/v1/admin/contacts/import"]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApi(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = createRouter();
  const authenticate = deps.authenticate ?? createApiKeyAuthenticator(deps.db, deps.bootstrapApiKey);
  if (deps.metrics) app.use(httpMetrics(deps.metrics));

  app.use(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const logger = deps.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("clientIp", clientIp(c, deps.trustedProxyHeader));
    c.set("logger", logger);
    c.header("X-Request-Id", requestId);
    const started = performance.now();
    await next();
    logger.debug(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
  });
  const ipLimit = deps.ipLimit;
  if (ipLimit) {
    app.use(async (c, next) => {
      // Orchestrators probe health from one address, often; a limit there would restart healthy replicas.
      if (c.req.path.startsWith("/v1/health")) return next();
      const ip = c.get("clientIp");
      if (ip !== undefined) {
        const allowed = await ipLimit.limiter.take(ip, 1);
        if (!allowed.ok) {
          throw new HogsendError(ErrorCodes.RATE_LIMITED, "Too many requests from this address; slow down", {
            details: { retryAfterSeconds: allowed.retryAfterSeconds },
          });
        }
      }
      return next();
    });
  }
  const limitBody = bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: () => {
      throw new HogsendError(
        ErrorCodes.PAYLOAD_TOO_LARGE,
        `The request body is larger than the limit of ${deps.maxBodyBytes} bytes`,
      );
    },
  });
  // Streamed uploads are parsed row by row and never buffered, so the JSON body limit does not apply to them.
  app.use((c, next) => (STREAMED_UPLOADS.has(c.req.path) ? next() : limitBody(c, next)));

  const context: RouteContext = {
    db: deps.db,
    logger: deps.logger,
    authenticate,
    templates: deps.templates,
    studio: deps.studio,
    metrics: deps.metrics,
  };
  app.route("/", createHealthRoutes(context, { version: deps.version, ...deps.health }));
  app.route("/", createStudioAuthRoutes(context));
  if (deps.metricsEndpoint) {
    app.route(
      "/",
      createMetricsRoutes({ metrics: deps.metricsEndpoint.sampler, token: deps.metricsEndpoint.token }),
    );
  }
  for (const build of deps.routes ?? []) app.route("/", build(context));
  if (deps.admin) app.route("/v1/admin", deps.admin(context));
  let document: Record<string, unknown> | undefined;
  app.route(
    "/",
    createDocsRoutes(() => (document ??= buildOpenApiDocument(app, deps.version))),
  );

  app.route("/", createStudioRoutes(deps.studioDir));

  app.notFound((c) =>
    c.json(
      { error: { code: ErrorCodes.NOT_FOUND, message: `No route for ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );
  app.onError((error, c) => errorResponse(error, c));
  return app;
}
