import { randomUUID } from "node:crypto";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type Authenticator, createApiKeyAuthenticator } from "../auth/authenticate-api-key.js";
import type { Database } from "../db/database.js";
import type { TemplateRegistry } from "../email/templates/template-registry.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { Logger } from "../lib/logger.js";
import type { ApiEnv } from "./api-env.js";
import { buildOpenApiDocument, createDocsRoutes } from "./docs-routes.js";
import { errorResponse } from "./error-response.js";
import { createHealthRoutes } from "./health-routes.js";
import { createRouter } from "./openapi-router.js";
import type { SharedRateLimiter } from "./shared-rate-limiter.js";

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
  ipLimit?: { limiter: SharedRateLimiter; trustProxy: boolean } | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: a group's own route types do not matter to the root app.
export type RouteGroup = OpenAPIHono<ApiEnv, any, any>;

export interface RouteContext {
  db: Database;
  logger: Logger;
  authenticate: Authenticator;
  templates: TemplateRegistry;
}

const STREAMED_UPLOADS = new Set(["/v1/admin/contacts/import"]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApi(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = createRouter();
  const authenticate = deps.authenticate ?? createApiKeyAuthenticator(deps.db, deps.bootstrapApiKey);

  app.use(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const logger = deps.logger.child({ requestId });
    c.set("requestId", requestId);
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
      const ip = clientIp(c, ipLimit.trustProxy);
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

  const context: RouteContext = { db: deps.db, logger: deps.logger, authenticate, templates: deps.templates };
  app.route("/", createHealthRoutes(context, { version: deps.version }));
  for (const build of deps.routes ?? []) app.route("/", build(context));
  if (deps.admin) app.route("/v1/admin", deps.admin(context));
  let document: Record<string, unknown> | undefined;
  app.route(
    "/",
    createDocsRoutes(() => (document ??= buildOpenApiDocument(app, deps.version))),
  );

  app.notFound((c) =>
    c.json(
      { error: { code: ErrorCodes.NOT_FOUND, message: `No route for ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );
  app.onError((error, c) => errorResponse(error, c));
  return app;
}

/**
 * The client's address: the socket's, or with `trustProxy` the last X-Forwarded-For hop (what the proxy in front
 * of us saw; earlier hops are whatever the client wrote). Undefined for in-process requests (no socket).
 */
function clientIp(c: Context<ApiEnv>, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const hops = c.req.header("x-forwarded-for")?.split(",");
    const last = hops?.[hops.length - 1]?.trim();
    if (last) return last.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}
