import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { type BetterAuthOptions, betterAuth } from "better-auth";
import { admin } from "better-auth/plugins";
import { PostgresDialect } from "kysely";
import type pg from "pg";
import type { Database } from "../../db/database.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisClient } from "../../redis/redis-client.js";
import { incrementRateLimit, pruneRateLimits, readRateLimit } from "./rate-limit-store.js";
import { createRedisSecondaryStorage, STUDIO_REDIS_PREFIX } from "./redis-secondary-storage.js";
import { studioAccessControl } from "./studio-access-control.js";
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
  /** Failed attempts per email address, from any IP (see `signInLimit`). */
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
  // Inside `withTransaction`, every statement Better Auth makes runs on that transaction's connection, so a user
  // change and its audit entry commit together; elsewhere its statements take pooled connections as usual.
  const scope = new AsyncLocalStorage<pg.PoolClient>();
  const scopedPool = {
    async connect() {
      const client = scope.getStore();
      if (!client) return deps.db.pool.connect();
      return { query: client.query.bind(client), release() {} } as unknown as pg.PoolClient;
    },
    // The pool is the app's: closing Better Auth must not close it.
    async end() {},
  };

  let hits = 0;
  const countInPostgres = async (key: string, windowSeconds: number) => {
    // Expired counters are pruned now and then by the writers themselves: no timer, no extra process.
    if (++hits % 200 === 0) {
      pruneRateLimits(deps.db, 3_600).catch((error) =>
        deps.logger.warn({ err: (error as Error).message }, "pruning studio rate limits failed"),
      );
    }
    // Inside a transaction, on its connection: waiting for a second pooled connection while holding one could
    // exhaust the pool under concurrent audited changes.
    return (await incrementRateLimit(scope.getStore() ?? deps.db, key, windowSeconds)).count;
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
    // Hogsend owns the transactions (see `withTransaction`): Better Auth's own would BEGIN inside ours.
    database: { dialect: new PostgresDialect({ pool: scopedPool }), type: "postgres", transaction: false },
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
  const accountKey = (email: string) =>
    `sign-in-account:${createHash("sha256").update(email.trim().toLowerCase()).digest("hex")}`;
  const failedSignIns = async (key: string): Promise<number> => {
    if (deps.redis) {
      try {
        return Number((await deps.redis.get(STUDIO_REDIS_PREFIX + key)) ?? 0);
      } catch {
        // Redis is unreachable: its failures are being counted in Postgres meanwhile.
      }
    }
    return readRateLimit(deps.db, key, limits.perAccount.window);
  };
  return Object.assign(betterAuth(options), {
    /**
     * Runs `fn` in one Postgres transaction that every Better Auth statement made meanwhile (in this async
     * context) joins: `fn` gets the connection to add its own statements (an audit entry) to the same commit.
     */
    withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      return deps.db.transaction((client) => scope.run(client, () => fn(client)));
    },
    /**
     * The per-account sign-in limit (Better Auth's own is per IP): an address with `perAccount.max` failed
     * sign-ins within the window is refused from any IP until the window ends, so guessing one account's password
     * from many IPs meets it. Only failures count; signing in often does not lock anyone out.
     */
    signInLimit: {
      async isBlocked(email: string): Promise<{ blocked: boolean; retryAfterSeconds: number }> {
        const failures = await failedSignIns(accountKey(email));
        return { blocked: failures >= limits.perAccount.max, retryAfterSeconds: limits.perAccount.window };
      },
      async recordFailure(email: string): Promise<void> {
        await increment(accountKey(email), limits.perAccount.window);
      },
    },
  });
}

export type StudioAuth = ReturnType<typeof createStudioAuth>;

function describe(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}
