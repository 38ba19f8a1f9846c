import { createHash } from "node:crypto";
import { APIError, type BetterAuthOptions, betterAuth } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { admin } from "better-auth/plugins";
import { PostgresDialect } from "kysely";
import type { Database } from "../../db/database.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisClient } from "../../redis/redis-client.js";
import { incrementRateLimit, pruneRateLimits } from "./rate-limit-store.js";
import { createRedisSecondaryStorage } from "./redis-secondary-storage.js";
import { studioAccessControl } from "./studio-roles.js";
import { STUDIO_AUTH_FIELDS, STUDIO_AUTH_TABLES } from "./studio-schema.js";

/** Mounted here on the api (`/v1/auth/sign-in/email`, `/v1/auth/get-session`, `/v1/auth/admin/*`). */
export const STUDIO_AUTH_BASE_PATH = "/v1/auth";
/** Better Auth reads the client IP from this header only; the api sets it from the socket or the trusted proxy. */
export const CLIENT_IP_HEADER = "x-hogsend-client-ip";

export interface RateRule {
  /** Seconds. */
  window: number;
  max: number;
}

export interface StudioAuthDependencies {
  db: Database;
  logger: Logger;
  /** When set, sessions are cached and rate limits counted in Redis (Postgres stays the store of record). */
  redis?: RedisClient | undefined;
  secret: string;
  /** Where Better Auth is reached from the outside (the app URL); cookies and redirects are built on it. */
  baseUrl: string;
  /** Origins allowed to send cookie-authenticated requests (the app URL and the Better Auth URL). */
  trustedOrigins: readonly string[];
  production: boolean;
  signInLimits?: { perIp?: RateRule; perAccount?: RateRule };
  /** Hooks run by Better Auth after its own writes (the audit of user management). */
  databaseHooks?: BetterAuthOptions["databaseHooks"];
}

export const DEFAULT_SIGN_IN_LIMITS = {
  /** Attempts per client IP. */
  perIp: { window: 60, max: 10 },
  /** Attempts per email address, from any IP: a password spray over many IPs still meets this one. */
  perAccount: { window: 900, max: 10 },
} satisfies Record<string, RateRule>;

/**
 * Studio's logins: Better Auth on the app's Postgres with email + password (no public sign-up) and the admin
 * plugin (roles admin and viewer). Built by the composition root, one per process; nothing here is global.
 */
export function createStudioAuth(deps: StudioAuthDependencies) {
  const limits = {
    perIp: deps.signInLimits?.perIp ?? DEFAULT_SIGN_IN_LIMITS.perIp,
    perAccount: deps.signInLimits?.perAccount ?? DEFAULT_SIGN_IN_LIMITS.perAccount,
  };
  let hits = 0;
  const countInPostgres = async (key: string, windowSeconds: number) => {
    // Expired counters are pruned now and then by the writers themselves: no timer, no extra process.
    if (++hits % 200 === 0) {
      pruneRateLimits(deps.db, 3_600).catch((error) =>
        deps.logger.warn({ err: (error as Error).message }, "pruning studio rate limits failed"),
      );
    }
    return (await incrementRateLimit(deps.db, key, windowSeconds)).count;
  };
  const secondaryStorage = deps.redis
    ? createRedisSecondaryStorage({
        redis: deps.redis,
        logger: deps.logger,
        fallbackIncrement: countInPostgres,
      })
    : undefined;
  const increment = secondaryStorage ? secondaryStorage.increment : countInPostgres;
  const consume = async (key: string, rule: RateRule) => {
    const count = await increment(key, rule.window);
    return count <= rule.max
      ? { allowed: true, retryAfter: null }
      : { allowed: false, retryAfter: rule.window };
  };

  const options = {
    appName: "Hogsend Studio",
    baseURL: deps.baseUrl,
    basePath: STUDIO_AUTH_BASE_PATH,
    secret: deps.secret,
    database: { dialect: new PostgresDialect({ pool: deps.db.pool }), type: "postgres", transaction: true },
    ...(secondaryStorage ? { secondaryStorage } : {}),
    ...STUDIO_AUTH_TABLES,
    session: {
      ...STUDIO_AUTH_TABLES.session,
      // Postgres is the store of record even with Redis: a Redis outage or restart logs nobody out.
      storeSessionInDatabase: true,
    },
    verification: { ...STUDIO_AUTH_TABLES.verification, storeInDatabase: true },
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 10, maxPasswordLength: 128 },
    disabledPaths: ["/sign-up/email"],
    trustedOrigins: [...deps.trustedOrigins],
    telemetry: { enabled: false },
    rateLimit: {
      enabled: true,
      window: 10,
      max: 100,
      customRules: {
        "/sign-in/email": limits.perIp,
        // Read on every Studio page load; the admin API checks sessions without going through the router.
        "/get-session": false,
      },
      customStorage: { consume },
    },
    advanced: {
      cookiePrefix: "hogsend",
      useSecureCookies: deps.production,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax", secure: deps.production, path: "/" },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      database: { generateId: "uuid" },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/sign-in/email") return;
        const email = (ctx.body as { email?: unknown } | undefined)?.email;
        if (typeof email !== "string") return;
        const account = createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
        const { allowed } = await consume(`sign-in-account:${account}`, limits.perAccount);
        if (!allowed) {
          throw new APIError("TOO_MANY_REQUESTS", {
            message: "Too many sign-in attempts for this account. Please try again later.",
          });
        }
      }),
    },
    ...(deps.databaseHooks ? { databaseHooks: deps.databaseHooks } : {}),
    logger: {
      level: "warn",
      log: (level, message, ...args) => {
        const fields = args.length > 0 ? { details: args.map(describe) } : {};
        deps.logger[level === "debug" ? "debug" : level]({ ...fields, component: "better-auth" }, message);
      },
    },
    plugins: [
      admin({
        ...studioAccessControl,
        defaultRole: "viewer",
        adminRoles: ["admin"],
        schema: STUDIO_AUTH_FIELDS.admin,
      }),
    ],
  } satisfies BetterAuthOptions;
  return betterAuth(options);
}

export type StudioAuth = ReturnType<typeof createStudioAuth>;

function describe(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}
