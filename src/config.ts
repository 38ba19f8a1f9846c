import { z } from "zod";
import { ErrorCodes, HogsendError } from "./errors.js";
import type { HatchetSettings } from "./journeys/hatchet/hatchet-settings.js";
import { isValidTimeZone } from "./lib/zoned-time.js";

/**
 * The env contract, parsed once by `loadConfig(env)`. A function, not an import-time parse, so tests and the
 * CLI pass their own environment. In production nothing required has a default; in development and tests the
 * defaults give a working system with no variables at all (embedded Postgres, capture email provider, a
 * printed dev API key).
 */

const DEV_AUTH_SECRET = "hogsend-development-secret-do-not-use-in-production";
export const DEV_API_KEY = "hs_dev_0123456789abcdefdevelopmentkey";

const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const positiveInt = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(fallback));
const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), "must be a postgres:// or postgresql:// URL");
const redisUrl = z
  .string()
  .refine((value) => /^rediss?:\/\//.test(value), "must be a redis:// or rediss:// URL");
const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}, "must be an http:// or https:// URL");

export const EMAIL_PROVIDERS = ["resend", "postmark", "smtp", "capture"] as const;
export type EmailProviderName = (typeof EMAIL_PROVIDERS)[number];
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

// Resend's default account limit is 5 requests/s per team (2/s on older accounts); Postmark and SMTP relays
// take far more. Raise EMAIL_RATE_LIMIT_PER_SECOND once the provider raises yours.
const DELIVERY_DEFAULTS: Record<EmailProviderName, { ratePerSecond: number; concurrency: number }> = {
  resend: { ratePerSecond: 5, concurrency: 5 },
  postmark: { ratePerSecond: 50, concurrency: 20 },
  smtp: { ratePerSecond: 20, concurrency: 5 },
  capture: { ratePerSecond: 0, concurrency: 50 },
};

const envSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyToUndefined,
    z.enum(["development", "production", "test"]).default("development"),
  ),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS).optional()),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3002)),
  DATABASE_URL: z.preprocess(emptyToUndefined, postgresUrl.optional()),
  REDIS_URL: z.preprocess(emptyToUndefined, redisUrl.optional()),
  BETTER_AUTH_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
  ),
  BETTER_AUTH_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  // The first Studio admin, created at boot when Studio has no users yet (never changes an existing user).
  STUDIO_ADMIN_EMAIL: z.preprocess(
    (value) => emptyToUndefined(typeof value === "string" ? value.trim().toLowerCase() : value),
    z.email("must be an email address").optional(),
  ),
  STUDIO_ADMIN_PASSWORD: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .min(10, "must be at least 10 characters")
      .max(128, "must be at most 128 characters")
      .optional(),
  ),
  // The header a reverse proxy in front of the api sets to the client's address (x-forwarded-for, x-real-ip…);
  // unset means the socket's address. Sign-in rate limits key on it (and the audit log records it), so name only a
  // header your proxy overwrites.
  HOGSEND_TRUSTED_PROXY_HEADER: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, "must be an HTTP header name, e.g. x-forwarded-for")
      .transform((value) => value.toLowerCase())
      .optional(),
  ),
  API_PUBLIC_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  HOGSEND_API_KEY: z.preprocess(
    emptyToUndefined,
    z.string().min(24, "must be at least 24 characters").optional(),
  ),
  ENABLED_JOURNEYS: z.preprocess(emptyToUndefined, z.string().default("*")),
  HOGSEND_JOURNEYS: optionalString,
  HOGSEND_CONFIG: optionalString,
  EMAIL_PROVIDER: z.preprocess(emptyToUndefined, z.enum(EMAIL_PROVIDERS).optional()),
  EMAIL_FROM: optionalString,
  RESEND_API_KEY: optionalString,
  RESEND_FROM_EMAIL: optionalString,
  RESEND_BASE_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  RESEND_WEBHOOK_SECRET: optionalString,
  POSTMARK_SERVER_TOKEN: optionalString,
  POSTMARK_MESSAGE_STREAM: optionalString,
  POSTMARK_WEBHOOK_USER: optionalString,
  POSTMARK_WEBHOOK_PASS: optionalString,
  POSTMARK_WEBHOOK_SECRET: optionalString,
  HOGSEND_UNSUBSCRIBE_SECRETS: optionalString,
  HOGSEND_POSTAL_ADDRESS: optionalString,
  HOGSEND_EMAIL_TRACKING: z.preprocess(
    emptyToUndefined,
    z.enum(["on", "off", "true", "false"]).default("off"),
  ),
  HOGSEND_SOFT_BOUNCE_THRESHOLD: positiveInt(3),
  HOGSEND_SOFT_BOUNCE_WINDOW_HOURS: positiveInt(168),
  EMAIL_RATE_LIMIT_PER_SECOND: z.preprocess(emptyToUndefined, z.coerce.number().min(0).optional()),
  EMAIL_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()),
  EMAIL_MAX_ATTEMPTS: positiveInt(8),
  EMAIL_RETRY_BASE_MS: positiveInt(30_000),
  EMAIL_SEND_TIMEOUT_MS: positiveInt(15_000),
  SMTP_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((value) => /^smtps?:\/\//.test(value), "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  HOGSEND_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default(".hogsend")),
  HOGSEND_EMBEDDED_PG_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(1).max(65535).default(5488),
  ),
  HOGSEND_MAX_BODY_BYTES: positiveInt(1_048_576),
  // How long a client may take to send its request headers, and its whole request, and how long an idle kept-alive
  // connection stays open: a client that stalls holds a socket and its buffered body only this long.
  HOGSEND_HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000),
  HOGSEND_HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  HOGSEND_HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
  HOGSEND_DB_POOL_SIZE: positiveInt(10),
  // A process that cannot reach Postgres for longer than this logs an error and reports it in its metrics; it
  // keeps retrying either way and never exits because of an outage.
  HOGSEND_DATABASE_OUTAGE_ALERT_SECONDS: positiveInt(30),
  // Serves GET /metrics (Prometheus text) on this port when set; the worker has no other port.
  HOGSEND_METRICS_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).optional()),
  // Also serves GET /metrics on the api's own port, for `Authorization: Bearer <token>` only; unset, the api
  // serves metrics on HOGSEND_METRICS_PORT alone.
  HOGSEND_METRICS_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().min(16, "must be at least 16 characters (openssl rand -hex 24)").optional(),
  ),
  HOGSEND_WORKER_CONCURRENCY: positiveInt(1000),
  HOGSEND_LEASE_SECONDS: positiveInt(30),
  HOGSEND_POLL_INTERVAL_MS: positiveInt(1000),
  HOGSEND_ENGINE: z.preprocess(emptyToUndefined, z.enum(["postgres", "hatchet"]).default("postgres")),
  HATCHET_CLIENT_TOKEN: optionalString,
  HATCHET_CLIENT_HOST_PORT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[^\s:/]+:\d{1,5}$/, "must be host:port (the engine's gRPC address)")
      .optional(),
  ),
  HATCHET_CLIENT_TLS_STRATEGY: z.preprocess(emptyToUndefined, z.enum(["tls", "mtls", "none"]).default("tls")),
  HATCHET_CLIENT_NAMESPACE: optionalString,
  HOGSEND_HATCHET_BIN_DIR: optionalString,
  HOGSEND_SHUTDOWN_GRACE_SECONDS: positiveInt(25),
  // Recipients a broadcast enqueues per second when it names no ratePerSecond of its own.
  HOGSEND_BROADCAST_RATE_PER_SECOND: positiveInt(100),
  // Per API key token bucket on POST /v1/ingest, in events per second; 0 turns the limit off.
  HOGSEND_INGEST_RATE_LIMIT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(50_000)),
  // Bucket size: how far above the sustained rate a key may burst. Defaults to twice the rate.
  HOGSEND_INGEST_RATE_BURST: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()),
  // Unset keeps events forever; otherwise the worker prunes events older than this many days.
  HOGSEND_EVENT_RETENTION_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()),
  // The IANA zone for send windows and ctx.sleepUntil when a contact has no valid `timezone` property.
  HOGSEND_DEFAULT_TIMEZONE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(isValidTimeZone, 'must be an IANA time zone such as "UTC" or "Europe/Berlin"')
      .default("UTC"),
  ),
  // Per client IP limit on every API request, in requests per second; 0 (default) turns it off.
  HOGSEND_IP_RATE_LIMIT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(0)),
  HOGSEND_IP_RATE_BURST: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()),
  // Alerts: channels, schedule and the minimum volume below which rates do not alert.
  HOGSEND_ALERTS_SLACK_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  HOGSEND_ALERTS_WEBHOOK_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  HOGSEND_ALERTS_WEBHOOK_SECRET: optionalString,
  HOGSEND_ALERTS_EMAIL: optionalString,
  HOGSEND_ALERTS_INTERVAL_SECONDS: positiveInt(60),
  HOGSEND_ALERTS_MIN_VOLUME: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(100)),
  // Inbound sources (POST /v1/sources/{posthog|stripe}, the Segment-compatible /v1/track|identify|batch).
  POSTHOG_WEBHOOK_SECRET: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_API_BASE: z.preprocess(emptyToUndefined, httpUrl.optional()),
  SEGMENT_WRITE_KEY: optionalString,
  // Engagement out: the PostHog destination of the sync outbox (project API key, phc_...).
  POSTHOG_API_KEY: optionalString,
  POSTHOG_HOST: z.preprocess(emptyToUndefined, httpUrl.default("https://us.i.posthog.com")),
  // Person properties for the conditions of journeys with meta.personLookup: "posthog" (the persons API).
  POSTHOG_PERSONAL_API_KEY: optionalString,
  POSTHOG_PROJECT_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be the project's id (Project settings → Project ID)")
      .optional(),
  ),
  POSTHOG_PERSON_CACHE_SECONDS: positiveInt(600),
  POSTHOG_PERSON_LOOKUP_TIMEOUT_MS: positiveInt(2000),
  // Off by default: the PostHog destination `$set`s the contact's email address on the person only when "true".
  POSTHOG_SYNC_EMAIL: z.preprocess(emptyToUndefined, z.enum(["true", "false"]).default("false")),
  // Days the audit log keeps an entry (the worker prunes older ones); 0 keeps them forever.
  HOGSEND_AUDIT_RETENTION_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(365)),
});

type Env = z.infer<typeof envSchema>;

/** Every variable of the env contract; `.env.example` documents exactly these (a test checks it). */
export const ENV_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  env: "development" | "production" | "test";
  logLevel: (typeof LOG_LEVELS)[number];
  port: number;
  /** Unset outside production means: start an embedded Postgres under `dataDir`. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  authSecret: string;
  /** True when BETTER_AUTH_SECRET was unset and the development secret is used (never in production). */
  authSecretIsDevDefault: boolean;
  authUrl: string;
  studio: {
    /** STUDIO_ADMIN_EMAIL / _PASSWORD: the first admin, minted into an empty user table at boot. */
    adminEmail: string | undefined;
    adminPassword: string | undefined;
    /** Lower-cased header name carrying the client IP, set by a trusted proxy; undefined: the socket address. */
    trustedProxyHeader: string | undefined;
  };
  publicUrl: string;
  bootstrapApiKey: string | undefined;
  enabledJourneys: "*" | string[];
  /** HOGSEND_CONFIG: the project config file (default: hogsend.config.ts in the working directory). */
  configFile: string | undefined;
  journeysModule: string | undefined;
  dataDir: string;
  embeddedPostgresPort: number;
  maxBodyBytes: number;
  /** Node server timeouts of the api: receiving headers, receiving a whole request, idle keep-alive. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  dbPoolSize: number;
  /** After this long without Postgres a process logs an error (once per outage) and keeps retrying. */
  databaseOutageAlertMs: number;
  /** Port of the Prometheus `/metrics` endpoint; undefined serves none. */
  metricsPort: number | undefined;
  /** Bearer token for `GET /metrics` on the api port; undefined serves it on `metricsPort` only. */
  metricsToken: string | undefined;
  ingest: {
    /** Events per second per API key; 0 = unlimited. */
    rateLimitPerSecond: number;
    rateLimitBurst: number;
  };
  /** Events older than this are pruned by `pruneEvents`; undefined keeps them forever. */
  eventRetentionDays: number | undefined;
  /** Per client IP request limit on the whole API; 0 = off. Shared through Redis when REDIS_URL is set. */
  ipRateLimit: { ratePerSecond: number; burst: number };
  alerts: {
    slackUrl: string | undefined;
    webhook: { url: string; secret: string } | undefined;
    emails: string[];
    intervalMs: number;
    minVolume: number;
  };
  /** Audit entries older than this are pruned; undefined keeps them forever. */
  auditRetentionDays: number | undefined;
  email: {
    provider: EmailProviderName;
    from: string;
    resend: { apiKey: string | undefined; baseUrl: string | undefined; webhookSecret: string | undefined };
    postmark: {
      serverToken: string | undefined;
      messageStream: string;
      webhookUser: string | undefined;
      webhookPass: string | undefined;
      /** Alternative to basic auth: the value of an `X-Hogsend-Webhook-Secret` header set on the webhook. */
      webhookSecret: string | undefined;
    };
    smtpUrl: string | undefined;
    /** Signs unsubscribe and tracking links. The first signs; all verify, so a secret can be rotated in. */
    linkSecrets: string[];
    /** Postal address printed in the footer of every non-transactional email (CAN-SPAM). */
    postalAddress: string | undefined;
    /** Open pixel and click redirects through signed links. */
    tracking: boolean;
    /** Soft bounces suppress an address once `threshold` of them fall within `windowMs`. */
    softBounce: { threshold: number; windowMs: number };
    delivery: {
      /** Provider calls per second per worker process; 0 = unlimited. */
      ratePerSecond: number;
      /** Provider calls in flight per worker process. */
      concurrency: number;
      maxAttempts: number;
      /** First retry delay; doubles per attempt (with jitter), capped at an hour. */
      retryBaseMs: number;
      sendTimeoutMs: number;
    };
  };
  /** HOGSEND_DEFAULT_TIMEZONE: send windows and ctx.sleepUntil for contacts without a valid `timezone`. */
  defaultTimeZone: string;
  /** HOGSEND_BROADCAST_RATE_PER_SECOND: a broadcast's enqueue rate when it names none. */
  broadcastRatePerSecond: number;
  worker: {
    concurrency: number;
    leaseMs: number;
    pollIntervalMs: number;
    shutdownGraceMs: number;
  };
  /**
   * HOGSEND_ENGINE: what executes journey runs. `postgres` (default): this process, with Postgres as the queue.
   * `hatchet`: Hatchet durable tasks; `hatchet` is undefined until HATCHET_CLIENT_TOKEN is set (`hogsend dev` then
   * starts a local Hatchet; other modes refuse to start).
   */
  engine: { kind: "postgres" } | { kind: "hatchet"; hatchet: HatchetSettings | undefined };
  /** HOGSEND_HATCHET_BIN_DIR: where `hogsend hatchet build` puts the local Hatchet engine that `hogsend dev` runs. */
  localHatchetBinDir: string | undefined;
  /** Inbound sources; a source with no secret is open outside production and refused (401) in production. */
  sources: {
    posthogWebhookSecret: string | undefined;
    stripeWebhookSecret: string | undefined;
    stripeSecretKey: string | undefined;
    stripeApiBase: string | undefined;
    segmentWriteKey: string | undefined;
    /** Set when POSTHOG_PERSONAL_API_KEY is: person properties for journeys with `meta.personLookup`. */
    posthogPersons:
      | { personalApiKey: string; projectId: string; apiHost: string; ttlMs: number; timeoutMs: number }
      | undefined;
  };
  /** Engagement out; the PostHog destination is enabled when `posthogApiKey` is set. */
  sync: {
    posthogApiKey: string | undefined;
    posthogHost: string;
    /** POSTHOG_SYNC_EMAIL: `$set` the email address on the PostHog person (default false: never sent). */
    posthogSyncEmail: boolean;
  };
}

interface Problem {
  variable: string;
  reason: string;
}

function crossFieldProblems(env: Env): Problem[] {
  const problems: Problem[] = [];
  const production = env.NODE_ENV === "production";
  const require = (variable: keyof Env, reason: string) => {
    if (env[variable] === undefined) problems.push({ variable, reason });
  };
  if (production) {
    require("DATABASE_URL", "is required in production (embedded Postgres is for development only)");
    require("BETTER_AUTH_SECRET", "is required in production");
    require("API_PUBLIC_URL", "is required in production (unsubscribe and tracking links point at it)");
    require("EMAIL_PROVIDER", "is required in production (resend, postmark or smtp)");
    if (env.EMAIL_PROVIDER === "capture") {
      problems.push({
        variable: "EMAIL_PROVIDER",
        reason: "capture stores mail instead of sending it; not allowed in production",
      });
    }
  }
  if (env.STUDIO_ADMIN_PASSWORD !== undefined && env.STUDIO_ADMIN_EMAIL === undefined) {
    problems.push({ variable: "STUDIO_ADMIN_PASSWORD", reason: "is set without STUDIO_ADMIN_EMAIL" });
  }
  const provider = env.EMAIL_PROVIDER;
  if (provider === "resend") {
    require("RESEND_API_KEY", "is required when EMAIL_PROVIDER=resend");
    if (env.RESEND_FROM_EMAIL === undefined && env.EMAIL_FROM === undefined) {
      problems.push({
        variable: "RESEND_FROM_EMAIL",
        reason: "is required when EMAIL_PROVIDER=resend (or set EMAIL_FROM)",
      });
    }
  }
  if (provider === "postmark") require("POSTMARK_SERVER_TOKEN", "is required when EMAIL_PROVIDER=postmark");
  if (provider === "smtp") require("SMTP_URL", "is required when EMAIL_PROVIDER=smtp");
  if (production && (provider === "postmark" || provider === "smtp") && env.EMAIL_FROM === undefined) {
    problems.push({
      variable: "EMAIL_FROM",
      reason: `is required in production when EMAIL_PROVIDER=${provider}`,
    });
  }
  if ((env.POSTMARK_WEBHOOK_USER === undefined) !== (env.POSTMARK_WEBHOOK_PASS === undefined)) {
    problems.push({
      variable: "POSTMARK_WEBHOOK_PASS",
      reason: "POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASS go together",
    });
  }
  if (parseSecretList(env.HOGSEND_UNSUBSCRIBE_SECRETS)?.some((secret) => secret.length < 32)) {
    problems.push({
      variable: "HOGSEND_UNSUBSCRIBE_SECRETS",
      reason: "each comma-separated secret must be at least 32 characters",
    });
  }
  if (env.HOGSEND_HTTP_HEADERS_TIMEOUT_MS > env.HOGSEND_HTTP_REQUEST_TIMEOUT_MS) {
    problems.push({
      variable: "HOGSEND_HTTP_HEADERS_TIMEOUT_MS",
      reason: "must not be longer than HOGSEND_HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)",
    });
  }
  if (env.HOGSEND_ALERTS_WEBHOOK_URL !== undefined) {
    const secret = env.HOGSEND_ALERTS_WEBHOOK_SECRET;
    if (secret === undefined || !/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(secret)) {
      problems.push({
        variable: "HOGSEND_ALERTS_WEBHOOK_SECRET",
        reason: "is required with HOGSEND_ALERTS_WEBHOOK_URL: whsec_ followed by base64 of at least 24 bytes",
      });
    }
  }
  const alertEmails = parseSecretList(env.HOGSEND_ALERTS_EMAIL) ?? [];
  if (alertEmails.some((email) => !z.email().safeParse(email).success)) {
    problems.push({
      variable: "HOGSEND_ALERTS_EMAIL",
      reason: "must be a comma-separated list of email addresses",
    });
  }
  if (env.HOGSEND_ENGINE === "hatchet" && env.NODE_ENV === "production" && !env.HATCHET_CLIENT_TOKEN) {
    problems.push({
      variable: "HATCHET_CLIENT_TOKEN",
      reason: "is required in production when HOGSEND_ENGINE=hatchet (an API token of your Hatchet tenant)",
    });
  }
  if (env.POSTHOG_PERSONAL_API_KEY !== undefined) {
    require("POSTHOG_PROJECT_ID", "is required with POSTHOG_PERSONAL_API_KEY (the persons API is per project)");
  }
  const journeys = env.ENABLED_JOURNEYS.trim();
  if (journeys !== "*" && parseJourneyList(journeys).length === 0) {
    problems.push({
      variable: "ENABLED_JOURNEYS",
      reason: 'must be "*" or a comma-separated list of journey ids',
    });
  }
  return problems;
}

function parseSecretList(value: string | undefined): string[] | undefined {
  const secrets = (value ?? "")
    .split(",")
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0);
  return secrets.length > 0 ? secrets : undefined;
}

function parseJourneyList(value: string): string[] {
  return value
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}

/** Parses the environment once. Throws one `CONFIG_INVALID` error naming every bad variable and why. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? "environment"),
      reason: issue.message,
    }));
    throw configError(problems);
  }
  const env = parsed.data;
  const problems = crossFieldProblems(env);
  if (problems.length > 0) throw configError(problems);

  const production = env.NODE_ENV === "production";
  const publicUrl = (env.API_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
  const provider = env.EMAIL_PROVIDER ?? "capture";
  const enabled = env.ENABLED_JOURNEYS.trim();
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === "test" ? "silent" : "info"),
    port: env.PORT,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    authSecret: env.BETTER_AUTH_SECRET ?? (production ? unreachable() : DEV_AUTH_SECRET),
    authSecretIsDevDefault: env.BETTER_AUTH_SECRET === undefined,
    authUrl: (env.BETTER_AUTH_URL ?? publicUrl).replace(/\/+$/, ""),
    studio: {
      adminEmail: env.STUDIO_ADMIN_EMAIL,
      adminPassword: env.STUDIO_ADMIN_PASSWORD,
      trustedProxyHeader: env.HOGSEND_TRUSTED_PROXY_HEADER,
    },
    publicUrl,
    bootstrapApiKey: env.HOGSEND_API_KEY ?? (production ? undefined : DEV_API_KEY),
    enabledJourneys: enabled === "*" ? "*" : parseJourneyList(enabled),
    journeysModule: env.HOGSEND_JOURNEYS,
    configFile: env.HOGSEND_CONFIG,
    dataDir: env.HOGSEND_DATA_DIR,
    embeddedPostgresPort: env.HOGSEND_EMBEDDED_PG_PORT,
    maxBodyBytes: env.HOGSEND_MAX_BODY_BYTES,
    http: {
      headersTimeoutMs: env.HOGSEND_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HOGSEND_HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HOGSEND_HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    dbPoolSize: env.HOGSEND_DB_POOL_SIZE,
    databaseOutageAlertMs: env.HOGSEND_DATABASE_OUTAGE_ALERT_SECONDS * 1000,
    metricsPort: env.HOGSEND_METRICS_PORT,
    metricsToken: env.HOGSEND_METRICS_TOKEN,
    ingest: {
      rateLimitPerSecond: env.HOGSEND_INGEST_RATE_LIMIT,
      rateLimitBurst: env.HOGSEND_INGEST_RATE_BURST ?? env.HOGSEND_INGEST_RATE_LIMIT * 2,
    },
    eventRetentionDays: env.HOGSEND_EVENT_RETENTION_DAYS,
    ipRateLimit: {
      ratePerSecond: env.HOGSEND_IP_RATE_LIMIT,
      burst: env.HOGSEND_IP_RATE_BURST ?? Math.max(1, env.HOGSEND_IP_RATE_LIMIT * 2),
    },
    alerts: {
      slackUrl: env.HOGSEND_ALERTS_SLACK_URL,
      webhook:
        env.HOGSEND_ALERTS_WEBHOOK_URL && env.HOGSEND_ALERTS_WEBHOOK_SECRET
          ? { url: env.HOGSEND_ALERTS_WEBHOOK_URL, secret: env.HOGSEND_ALERTS_WEBHOOK_SECRET }
          : undefined,
      emails: parseSecretList(env.HOGSEND_ALERTS_EMAIL) ?? [],
      intervalMs: env.HOGSEND_ALERTS_INTERVAL_SECONDS * 1000,
      minVolume: env.HOGSEND_ALERTS_MIN_VOLUME,
    },
    auditRetentionDays: env.HOGSEND_AUDIT_RETENTION_DAYS === 0 ? undefined : env.HOGSEND_AUDIT_RETENTION_DAYS,
    email: {
      provider,
      from: env.EMAIL_FROM ?? env.RESEND_FROM_EMAIL ?? "Hogsend <hello@hogsend.localhost>",
      resend: {
        apiKey: env.RESEND_API_KEY,
        baseUrl: env.RESEND_BASE_URL,
        webhookSecret: env.RESEND_WEBHOOK_SECRET,
      },
      postmark: {
        serverToken: env.POSTMARK_SERVER_TOKEN,
        messageStream: env.POSTMARK_MESSAGE_STREAM ?? "outbound",
        webhookUser: env.POSTMARK_WEBHOOK_USER,
        webhookPass: env.POSTMARK_WEBHOOK_PASS,
        webhookSecret: env.POSTMARK_WEBHOOK_SECRET,
      },
      smtpUrl: env.SMTP_URL,
      linkSecrets: parseSecretList(env.HOGSEND_UNSUBSCRIBE_SECRETS) ?? [
        env.BETTER_AUTH_SECRET ?? (production ? unreachable() : DEV_AUTH_SECRET),
      ],
      postalAddress: env.HOGSEND_POSTAL_ADDRESS,
      tracking: env.HOGSEND_EMAIL_TRACKING === "on" || env.HOGSEND_EMAIL_TRACKING === "true",
      softBounce: {
        threshold: env.HOGSEND_SOFT_BOUNCE_THRESHOLD,
        windowMs: env.HOGSEND_SOFT_BOUNCE_WINDOW_HOURS * 3_600_000,
      },
      delivery: {
        ratePerSecond: env.EMAIL_RATE_LIMIT_PER_SECOND ?? DELIVERY_DEFAULTS[provider].ratePerSecond,
        concurrency: env.EMAIL_CONCURRENCY ?? DELIVERY_DEFAULTS[provider].concurrency,
        maxAttempts: env.EMAIL_MAX_ATTEMPTS,
        retryBaseMs: env.EMAIL_RETRY_BASE_MS,
        sendTimeoutMs: env.EMAIL_SEND_TIMEOUT_MS,
      },
    },
    defaultTimeZone: env.HOGSEND_DEFAULT_TIMEZONE,
    broadcastRatePerSecond: env.HOGSEND_BROADCAST_RATE_PER_SECOND,
    worker: {
      concurrency: env.HOGSEND_WORKER_CONCURRENCY,
      leaseMs: env.HOGSEND_LEASE_SECONDS * 1000,
      pollIntervalMs: env.HOGSEND_POLL_INTERVAL_MS,
      shutdownGraceMs: env.HOGSEND_SHUTDOWN_GRACE_SECONDS * 1000,
    },
    engine:
      env.HOGSEND_ENGINE === "hatchet"
        ? {
            kind: "hatchet",
            hatchet: env.HATCHET_CLIENT_TOKEN
              ? {
                  token: env.HATCHET_CLIENT_TOKEN,
                  hostPort: env.HATCHET_CLIENT_HOST_PORT,
                  tlsStrategy: env.HATCHET_CLIENT_TLS_STRATEGY,
                  namespace: env.HATCHET_CLIENT_NAMESPACE,
                }
              : undefined,
          }
        : { kind: "postgres" },
    localHatchetBinDir: env.HOGSEND_HATCHET_BIN_DIR,
    sources: {
      posthogWebhookSecret: env.POSTHOG_WEBHOOK_SECRET,
      stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET,
      stripeSecretKey: env.STRIPE_SECRET_KEY,
      stripeApiBase: env.STRIPE_API_BASE,
      segmentWriteKey: env.SEGMENT_WRITE_KEY,
      posthogPersons:
        env.POSTHOG_PERSONAL_API_KEY && env.POSTHOG_PROJECT_ID
          ? {
              personalApiKey: env.POSTHOG_PERSONAL_API_KEY,
              projectId: env.POSTHOG_PROJECT_ID,
              apiHost: posthogApiHost(env.POSTHOG_HOST.replace(/\/+$/, "")),
              ttlMs: env.POSTHOG_PERSON_CACHE_SECONDS * 1000,
              timeoutMs: env.POSTHOG_PERSON_LOOKUP_TIMEOUT_MS,
            }
          : undefined,
    },
    sync: {
      posthogApiKey: env.POSTHOG_API_KEY,
      posthogHost: env.POSTHOG_HOST.replace(/\/+$/, ""),
      posthogSyncEmail: env.POSTHOG_SYNC_EMAIL === "true",
    },
  };
}

/**
 * PostHog Cloud serves ingestion at `us.i.posthog.com` / `eu.i.posthog.com` (POSTHOG_HOST) and the private API
 * (persons) at `us.posthog.com` / `eu.posthog.com`; a self-hosted PostHog serves both on one host.
 */
function posthogApiHost(ingestionHost: string): string {
  return ingestionHost.replace(/^(https?:\/\/)(us|eu)\.i\.posthog\.com/i, "$1$2.posthog.com");
}

function unreachable(): never {
  throw new HogsendError(ErrorCodes.INTERNAL, "production config reached a development default");
}

function configError(problems: Problem[]): HogsendError {
  const lines = problems.map((p) => `  - ${p.variable} ${p.reason}`);
  return new HogsendError(ErrorCodes.CONFIG_INVALID, `Invalid configuration:\n${lines.join("\n")}`, {
    details: problems,
  });
}
