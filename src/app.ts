import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { alertEmailTemplate } from "./alerts/alert-email-template.js";
import { startAlertEvaluator } from "./alerts/alert-evaluator.js";
import { type AlertSettings, type AlertsConfig, resolveAlertSettings } from "./alerts/alert-settings.js";
import { createAdminApi } from "./api/admin-api.js";
import type { ApiEnv } from "./api/api-env.js";
import { closeConnectionsWithUnreadBodies } from "./api/close-unread-requests.js";
import { createApi } from "./api/create-api.js";
import { createEmailSendRoutes } from "./api/email-send-routes.js";
import { createEmailWebhookRoutes } from "./api/email-webhook-routes.js";
import { httpServerOptions } from "./api/http-server-options.js";
import { createIngestRoutes } from "./api/ingest-routes.js";
import { type MetricsServer, startMetricsServer } from "./api/metrics-server.js";
import { createSharedRateLimiter } from "./api/shared-rate-limiter.js";
import { createSourceRoutes } from "./api/source-routes.js";
import { createTrackingRoutes } from "./api/tracking-routes.js";
import { createUnsubscribeRoutes } from "./api/unsubscribe-routes.js";
import { startAuditPruning } from "./audit/audit-pruning.js";
import { startRevocationAwareAuthenticator } from "./auth/api-key-revocations.js";
import type { Authenticator } from "./auth/authenticate-api-key.js";
import { DEV_ADMIN_EMAIL, ensureFirstAdmin } from "./auth/studio/create-studio-user.js";
import { createStudioAuth, type StudioAuth } from "./auth/studio/studio-auth.js";
import { startBroadcastRunner } from "./broadcasts/broadcast-runner.js";
import type { Config } from "./config.js";
import { createDatabase, type Database, isConnectionError } from "./db/database.js";
import { registerDatabaseMetrics } from "./db/database-metrics.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "./db/embedded-postgres.js";
import { migrationStatus } from "./db/migrate.js";
import { emailForJourneys } from "./email/journey-email.js";
import { startEmailDelivery } from "./email/outbox/email-delivery.js";
import { instrumentProvider } from "./email/outbox/instrumented-provider.js";
import { createEmailProvider } from "./email/providers/create-email-provider.js";
import { createEmailClient, type EmailClient } from "./email/send-email.js";
import { assertJourneyTemplatesExist } from "./email/templates/assert-journey-templates-exist.js";
import {
  createTemplateRegistry,
  type TemplateRegistry,
  withBuiltInTemplates,
} from "./email/templates/template-registry.js";
import { ErrorCodes, HogsendError } from "./errors.js";
import { startEventPruning } from "./events/event-retention.js";
import { createHatchetClient } from "./journeys/hatchet/create-hatchet-client.js";
import type { HatchetSettings } from "./journeys/hatchet/hatchet-settings.js";
import { startHatchetEngine } from "./journeys/hatchet/start-hatchet-engine.js";
import { createJourneyRegistry, lazyJourneyRegistry, loadJourneys } from "./journeys/journey-registry.js";
import type { DefinedJourney } from "./journeys/journey-types.js";
import { DEFAULT_RETRY, startJourneyWorker } from "./journeys/journey-worker.js";
import type { PersonPropertyLookup } from "./journeys/person-property-lookup.js";
import { startWorkerHeartbeat } from "./journeys/worker-heartbeats.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { createLogger, type Logger } from "./lib/logger.js";
import { createMetrics, type HogsendMetrics } from "./metrics/hogsend-metrics.js";
import { createMetricsSampler, type MetricsSampler } from "./metrics/metrics-sampler.js";
import { databaseGaugeSample } from "./operations/sample-database-gauges.js";
import type { AnyEmailTemplate } from "./project/define-config.js";
import { createRedisClient, type RedisClient } from "./redis/redis-client.js";
import { buildSources } from "./sources/build-sources.js";
import { createPostHogPersonLookup } from "./sources/posthog-person-lookup.js";
import type { ProjectSources } from "./sources/project-sources.js";
import { startReceiptResolution } from "./sources/resolve-pending-receipts.js";
import { startSyncDelivery } from "./sync/sync-delivery.js";

export const VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;

/**
 * The composition root: everything is built here from Config, explicitly, with no container and no module
 * singletons. Entry points in `main/` call `createApp` and then start the parts their run mode needs.
 */
export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly db: Database;
  /** This process's metric catalog and Prometheus registry (`metrics.registry`). */
  readonly metrics: HogsendMetrics;
  /** The exposition (`GET /metrics`), database gauges refreshed at most once per interval: on
   * HOGSEND_METRICS_PORT by `startMetrics`, and on the api port behind HOGSEND_METRICS_TOKEN. */
  readonly scrape: MetricsSampler;
  /** Set when this process started its own Postgres (DATABASE_URL unset). */
  readonly embedded: EmbeddedPostgresHandle | undefined;
  /** The project's templates (from its config): what sends validate against and delivery renders. */
  readonly templates: TemplateRegistry;
  /** The project's journeys (from its config), or undefined when the process was given none. */
  readonly journeys: readonly DefinedJourney[] | undefined;
  /** Transactional email from code outside journeys: `await app.email.send({ to, template, props })`. */
  readonly email: EmailClient;
  /** The alert rules' settings: the project's `alerts` over the defaults. */
  readonly alerts: AlertSettings;
  /** The Redis connection when REDIS_URL is set (shared rate limits); undefined otherwise. */
  readonly redis: RedisClient | undefined;
  /**
   * PostHog person properties for journeys with `meta.personLookup` (POSTHOG_PERSONAL_API_KEY and
   * POSTHOG_PROJECT_ID), cached in Redis when REDIS_URL is set; undefined without the key. Built on first use.
   */
  readonly personLookup: PersonPropertyLookup | undefined;
  /** The project's own webhook sources and the built-ins' options (its config's `sources`, `posthog`, `stripe`). */
  readonly sources: ProjectSources | undefined;
  /** Studio's logins (Better Auth on this database, and on Redis when REDIS_URL is set), built on first use. */
  studioAuth(): StudioAuth;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  clock?: Clock;
  /** Overrides config.databaseUrl (tests hand in an isolated database). */
  databaseUrl?: string;
  /** The project's templates (a loaded `Project`'s registry, or a list); none when unset. */
  templates?: TemplateRegistry | readonly AnyEmailTemplate[];
  /** The project's journeys; `startWorker` runs these unless given a `journeysModule`. */
  journeys?: readonly DefinedJourney[];
  /** The project's `alerts` settings (a loaded `Project`'s). */
  alerts?: AlertsConfig;
  /** The project's sources (a loaded `Project`'s); only the built-ins when unset. */
  sources?: ProjectSources;
  /** How often a scrape may refresh the database gauges (default 10 s; tests shorten it). */
  metricsSampleIntervalMs?: number;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, pretty: config.env === "development", name: "hogsend" });
  let embedded: EmbeddedPostgresHandle | undefined;
  let url = options.databaseUrl ?? config.databaseUrl;
  if (url === undefined) {
    if (config.env === "production") {
      throw new HogsendError(ErrorCodes.CONFIG_INVALID, "DATABASE_URL is required in production");
    }
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, "postgres"),
      port: config.embeddedPostgresPort,
      logger,
    });
    url = embedded.url;
  }
  const db = createDatabase(url, {
    max: config.dbPoolSize,
    logger,
    outageAlertMs: config.databaseOutageAlertMs,
  });
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics(VERSION);
  registerDatabaseMetrics(metrics.registry, db);
  const scrape = createMetricsSampler({
    metrics,
    logger,
    sample: databaseGaugeSample(db, metrics, clock),
    ...(options.metricsSampleIntervalMs === undefined ? {} : { intervalMs: options.metricsSampleIntervalMs }),
  });
  let closed = false;
  // Connected on first use (the api's shared rate limits, Studio's sessions, a worker's person-lookup cache).
  let redis: RedisClient | undefined;
  const redisUrl = config.redisUrl;
  const sharedRedis = () => {
    if (redisUrl !== undefined && !closed) redis ??= createRedisClient(redisUrl, logger);
    return redis;
  };
  const persons = config.sources.posthogPersons;
  let personLookup: PersonPropertyLookup | undefined;
  const sharedPersonLookup = () => {
    if (persons === undefined) return undefined;
    personLookup ??= createPostHogPersonLookup({
      ...persons,
      // Read per call: the connection is opened on the first lookup, not at boot.
      redis: sharedRedis,
      logger: logger.child({ component: "person-lookup" }),
      counter: metrics.personLookups,
    });
    return personLookup;
  };
  let studio: StudioAuth | undefined;
  const studioAuth = () => {
    studio ??= createStudioAuth({
      db,
      logger,
      redis: sharedRedis(),
      secret: config.authSecret,
      baseUrl: config.authUrl,
      trustedOrigins: studioTrustedOrigins(config),
      production: config.env === "production",
    });
    return studio;
  };
  const projectTemplates =
    options.templates === undefined || Array.isArray(options.templates)
      ? createTemplateRegistry((options.templates ?? []) as readonly AnyEmailTemplate[])
      : (options.templates as TemplateRegistry);
  // The alert email is Hogsend's own template, there only when alerts go by email.
  const templates =
    config.alerts.emails.length > 0
      ? withBuiltInTemplates(projectTemplates, [alertEmailTemplate])
      : projectTemplates;
  return {
    config,
    logger,
    clock,
    db,
    metrics,
    scrape,
    embedded,
    templates,
    journeys: options.journeys,
    sources: options.sources,
    email: createEmailClient({ db, templates }),
    alerts: resolveAlertSettings(options.alerts, config.alerts.minVolume),
    get redis() {
      return sharedRedis();
    },
    get personLookup() {
      return sharedPersonLookup();
    },
    studioAuth,
    async close() {
      if (closed) return;
      closed = true;
      redis?.disconnect();
      await db.close().catch(() => {});
      await embedded?.stop();
    },
  };
}

/**
 * Refuses to run against a schema that is behind: the api and the worker both call this at boot. While the
 * database is unreachable it waits (the outage is logged once by the pool), so a process started during a
 * Postgres restart or failover comes up when Postgres does instead of exiting.
 */
export async function assertSchemaCurrent(app: App): Promise<void> {
  const { pending } = await waitForDatabase(() => migrationStatus(app.db));
  if (pending.length > 0) {
    throw new HogsendError(
      ErrorCodes.MIGRATION_PENDING,
      `The database schema is behind: ${pending.length} pending migration(s): ${pending.join(", ")}. ` +
        "Run `hogsend migrate` first.",
      { details: { pending } },
    );
  }
}

async function waitForDatabase<T>(work: () => Promise<T>): Promise<T> {
  for (let delay = 100; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await work();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** The origins allowed to make cookie-authenticated changes: the app URL's and the auth URL's. */
export function studioTrustedOrigins(config: Config): string[] {
  return [...new Set([new URL(config.publicUrl).origin, new URL(config.authUrl).origin])];
}

export interface StudioLogin {
  email: string;
  /** Known only when it was generated (or, in dev, remembered in the data folder); never read back from the DB. */
  password: string | undefined;
  created: boolean;
}

/**
 * The first Studio admin, minted into an empty user table at boot (`STUDIO_ADMIN_EMAIL`, with
 * `STUDIO_ADMIN_PASSWORD` or a generated password logged once). Never changes an existing user; two processes
 * booting at once mint one admin. In dev (`dev: true`) without STUDIO_ADMIN_EMAIL the admin is
 * admin@hogsend.local, and its generated password is kept in the data folder so every start can print the login.
 */
export async function mintFirstStudioAdmin(
  app: App,
  options: { dev?: boolean } = {},
): Promise<StudioLogin | undefined> {
  const { studio } = app.config;
  const email = studio.adminEmail ?? (options.dev ? DEV_ADMIN_EMAIL : undefined);
  if (email === undefined) return undefined;
  const devFile = options.dev ? path.join(app.config.dataDir, "studio-dev-login.json") : undefined;
  const remembered = devFile ? await readDevLogin(devFile, email) : undefined;
  const password = studio.adminPassword ?? remembered;
  const result = await waitForDatabase(() => ensureFirstAdmin(app.studioAuth(), app.db, { email, password }));
  if (result.generatedPassword !== undefined) {
    if (devFile) {
      await mkdir(path.dirname(devFile), { recursive: true });
      await writeFile(devFile, JSON.stringify({ email, password: result.generatedPassword }), {
        mode: 0o600,
      });
    } else {
      app.logger.warn(
        { email, password: result.generatedPassword },
        "Studio admin created with a generated password, shown only this once: sign in and keep it safe",
      );
    }
  } else if (result.created) {
    app.logger.info({ email }, "Studio admin created from STUDIO_ADMIN_EMAIL");
  }
  return {
    email,
    password: result.generatedPassword ?? (studio.adminPassword === undefined ? remembered : undefined),
    created: result.created,
  };
}

async function readDevLogin(file: string, email: string): Promise<string | undefined> {
  try {
    const saved = JSON.parse(await readFile(file, "utf8")) as { email?: unknown; password?: unknown };
    return saved.email === email && typeof saved.password === "string" ? saved.password : undefined;
  } catch {
    return undefined;
  }
}

/** Serves this process's metrics when HOGSEND_METRICS_PORT is set. */
export async function startMetrics(app: App): Promise<MetricsServer | undefined> {
  if (app.config.metricsPort === undefined) return undefined;
  const server = await startMetricsServer(app.scrape, app.config.metricsPort);
  app.logger.info({ port: server.port }, "metrics at GET /metrics");
  return server;
}

/** `authenticate`: the key checker of a running server (startApiServer), which hears revocations. */
export function buildApi(app: App, options: { authenticate?: Authenticator } = {}): OpenAPIHono<ApiEnv> {
  const registry = app.journeys
    ? memo(() => createJourneyRegistry(app.journeys ?? [], app.config.enabledJourneys))
    : lazyJourneyRegistry(app.config.journeysModule, app.config.enabledJourneys);
  // Per API key and per client IP, shared by every replica through Redis when REDIS_URL is set.
  const limitMetrics = app.metrics.rateLimits;
  const ingestLimiter = createSharedRateLimiter({
    name: "ingest",
    ratePerSecond: app.config.ingest.rateLimitPerSecond,
    burst: app.config.ingest.rateLimitBurst,
    redis: app.redis,
    logger: app.logger,
    metrics: limitMetrics,
  });
  const ip = app.config.ipRateLimit;
  return createApi({
    db: app.db,
    logger: app.logger,
    ...(ip.ratePerSecond > 0
      ? {
          ipLimit: {
            limiter: createSharedRateLimiter({
              name: "ip",
              ratePerSecond: ip.ratePerSecond,
              burst: ip.burst,
              redis: app.redis,
              logger: app.logger,
              metrics: limitMetrics,
            }),
          },
        }
      : {}),
    maxBodyBytes: app.config.maxBodyBytes,
    bootstrapApiKey: app.config.bootstrapApiKey,
    ...(options.authenticate ? { authenticate: options.authenticate } : {}),
    version: VERSION,
    templates: app.templates,
    trustedProxyHeader: app.config.studio.trustedProxyHeader,
    studio: {
      auth: app.studioAuth(),
      trustedOrigins: studioTrustedOrigins(app.config),
    },
    metrics: app.metrics,
    ...(app.config.metricsToken
      ? { metricsEndpoint: { sampler: app.scrape, token: app.config.metricsToken } }
      : {}),
    health: { clock: app.clock, engine: app.config.engine.kind },
    routes: [
      (context) =>
        createIngestRoutes(context, {
          rateLimitPerSecond: app.config.ingest.rateLimitPerSecond,
          rateLimitBurst: app.config.ingest.rateLimitBurst,
          clock: app.clock,
          limiter: ingestLimiter,
        }),
      (context) => createEmailSendRoutes(context),
      (context) => createEmailWebhookRoutes(context, { email: app.config.email }),
      (context) =>
        createSourceRoutes(context, { clock: app.clock, ...buildSources(app.config, app.sources) }),
      (context) =>
        createUnsubscribeRoutes(context, { secrets: app.config.email.linkSecrets, clock: app.clock }),
      (context) =>
        createTrackingRoutes(context, {
          secrets: app.config.email.linkSecrets,
          softBounce: app.config.email.softBounce,
          clock: app.clock,
        }),
    ],
    admin: (context) => createAdminApi(context, { clock: app.clock, registry }),
  });
}

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

export function startApiServer(app: App, port = app.config.port): Promise<RunningServer> {
  if (app.config.authSecretIsDevDefault) {
    app.logger.warn("BETTER_AUTH_SECRET is unset: Studio sessions are signed with the development secret");
  }
  const keys = startRevocationAwareAuthenticator({
    db: app.db,
    bootstrapKey: app.config.bootstrapApiKey,
    logger: app.logger,
  });
  const api = buildApi(app, { authenticate: keys.authenticate });
  const started = new Promise<RunningServer>((resolve, reject) => {
    const fetch = closeConnectionsWithUnreadBodies(api.fetch);
    const serverOptions = httpServerOptions(app.config.http);
    const server = serve({ fetch, port, hostname: "0.0.0.0", serverOptions }, (info) => {
      resolve({
        port: info.port,
        close: async () => {
          await new Promise<void>((done) => {
            server.close(() => done());
            // Idle keep-alive sockets would hold close() open for their timeout.
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          });
          await keys.close();
        },
      });
    });
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new HogsendError(
              ErrorCodes.CONFIG_INVALID,
              `Port ${port} is already in use; set PORT to a free port`,
            )
          : error,
      );
    });
  });
  started.catch(() => keys.close());
  return started;
}

export interface BackgroundWork {
  /** This worker's id: its journey lease owner and its `worker_heartbeats` row. */
  readonly workerId: string;
  /** Stops taking new work, waits up to `graceMs` for work in hand, then resolves. */
  stop(graceMs: number): Promise<void>;
}

export interface WorkerOptions {
  /** Module path of a journeys array (`--journeys`); by default the app's own journeys (its config's). */
  journeysModule?: string | undefined;
}

/** Starts the worker's loops: journey routing and execution, email delivery, and event retention. */
export async function startWorker(app: App, options: WorkerOptions = {}): Promise<BackgroundWork> {
  const registry = options.journeysModule
    ? await loadJourneys(options.journeysModule, app.config.enabledJourneys)
    : createJourneyRegistry(app.journeys ?? [], app.config.enabledJourneys);
  assertJourneyTemplatesExist(registry.journeys, app.templates, options.journeysModule);
  const email = emailForJourneys(app.templates);
  const workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const journeys = await startJourneyWorker({
    owner: workerId,
    db: app.db,
    clock: app.clock,
    logger: app.logger,
    registry,
    concurrency: app.config.worker.concurrency,
    leaseMs: app.config.worker.leaseMs,
    pollIntervalMs: app.config.worker.pollIntervalMs,
    services: email.services,
    readers: email.readers,
    metrics: app.metrics,
    defaultTimeZone: app.config.defaultTimeZone,
    execute: app.config.engine.kind === "postgres",
    personLookup: app.personLookup,
  });
  const engine = app.config.engine;
  const hatchet =
    engine.kind === "hatchet"
      ? await startHatchetEngine({
          hatchet: createHatchetClient(requireHatchetSettings(engine.hatchet), app.logger),
          db: app.db,
          clock: app.clock,
          logger: app.logger,
          registry,
          concurrency: app.config.worker.concurrency,
          leaseMs: app.config.worker.leaseMs,
          pollIntervalMs: app.config.worker.pollIntervalMs,
          retry: DEFAULT_RETRY,
          services: email.services,
          readers: email.readers,
          metrics: app.metrics,
          defaultTimeZone: app.config.defaultTimeZone,
        })
      : undefined;
  const optedIn = registry.journeys.filter((j) => j.meta.personLookup !== undefined).map((j) => j.meta.id);
  if (optedIn.length > 0 && app.personLookup === undefined) {
    app.logger.warn(
      { journeys: optedIn },
      "journeys set meta.personLookup but POSTHOG_PERSONAL_API_KEY is unset: their conditions read stored contact properties only",
    );
  }
  const delivery = await startEmailDelivery({
    db: app.db,
    clock: app.clock,
    config: app.config,
    logger: app.logger,
    provider: instrumentProvider(createEmailProvider(app.config, app.db), app.metrics),
    templates: app.templates,
    metrics: app.metrics,
  });
  const pruning = startEventPruning({
    db: app.db,
    clock: app.clock,
    logger: app.logger,
    retentionDays: app.config.eventRetentionDays,
  });
  const alerts = startAlertEvaluator({
    db: app.db,
    clock: app.clock,
    logger: app.logger,
    settings: app.alerts,
    channels: app.config.alerts,
    templates: app.templates,
    intervalMs: app.config.alerts.intervalMs,
    metrics: app.metrics.alerts,
  });
  const auditPruning = startAuditPruning({
    db: app.db,
    clock: app.clock,
    logger: app.logger,
    retentionDays: app.config.auditRetentionDays,
  });
  const receipts = startReceiptResolution({
    db: app.db,
    clock: app.clock,
    logger: app.logger,
    intervalMs: Math.max(app.config.worker.pollIntervalMs, 5_000),
  });
  const { posthogApiKey, posthogHost, posthogSyncEmail } = app.config.sync;
  const sync = await startSyncDelivery({
    db: app.db,
    clock: app.clock,
    logger: app.logger,
    posthog: posthogApiKey
      ? { apiKey: posthogApiKey, host: posthogHost, syncEmail: posthogSyncEmail }
      : undefined,
    pollIntervalMs: app.config.worker.pollIntervalMs,
    leaseMs: app.config.worker.leaseMs,
  });
  const broadcasts = startBroadcastRunner({
    db: app.db,
    clock: app.clock,
    logger: app.logger,
    templates: app.templates,
    owner: workerId,
    defaultRatePerSecond: app.config.broadcastRatePerSecond,
    defaultTimeZone: app.config.defaultTimeZone,
    leaseMs: app.config.worker.leaseMs,
    pollIntervalMs: app.config.worker.pollIntervalMs,
  });
  const heartbeat = startWorkerHeartbeat({
    db: app.db,
    clock: app.clock,
    logger: app.logger,
    workerId,
    engine: `${engine.kind} (hogsend@${VERSION})`,
  });
  app.logger.info(
    { workerId, engine: engine.kind, journeys: registry.journeys.map((j) => j.meta.id) },
    `worker started (engine: ${engine.kind})`,
  );
  return {
    workerId,
    async stop(graceMs) {
      await Promise.all([
        journeys.stop(graceMs),
        hatchet?.stop(),
        delivery.stop(graceMs),
        pruning.stop(),
        auditPruning.stop(),
        alerts.stop(),
        receipts.stop(),
        sync.stop(),
        broadcasts.stop(),
      ]);
      await heartbeat.stop();
      app.logger.debug("worker stopped");
    },
  };
}

/** HOGSEND_ENGINE=hatchet without HATCHET_CLIENT_TOKEN: `hogsend dev` starts a local engine; nothing else can. */
function requireHatchetSettings(settings: HatchetSettings | undefined): HatchetSettings {
  if (settings) return settings;
  throw new HogsendError(
    ErrorCodes.CONFIG_INVALID,
    "HOGSEND_ENGINE=hatchet needs HATCHET_CLIENT_TOKEN (an API token of your Hatchet tenant; `hogsend dev` starts a " +
      "local Hatchet when it is unset). See README: Running journeys on Hatchet.",
    { details: [{ variable: "HATCHET_CLIENT_TOKEN", reason: "is required when HOGSEND_ENGINE=hatchet" }] },
  );
}

function memo<T>(build: () => T): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= Promise.resolve().then(build);
    return value;
  };
}
