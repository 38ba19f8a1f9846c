import pg from "pg";
import type { Logger } from "../lib/logger.js";

export interface ListenConnectionOptions {
  url: string;
  channels: readonly string[];
  logger: Logger;
  applicationName?: string;
  onNotification(channel: string, payload: string | undefined): void;
  /**
   * Called each time LISTEN is (re)established, the first time included: notifications sent while the connection
   * was down are lost, so the owner sweeps once (polls, drops a cache) instead of trusting them.
   */
  onReconnect?(): void;
  /** Reconnect backoff bounds; defaults 100 ms → 5 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface ListenConnection {
  /** True while LISTEN is in place; notifications can be trusted only then. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/**
 * One dedicated connection LISTENing on some channels, kept alive across database restarts, failovers and
 * `pg_terminate_backend`: a lost connection is replaced (with backoff) and re-LISTENs, and `onReconnect` tells the
 * owner to sweep for what it missed. Starting never fails and never blocks on the database: while Postgres is
 * unreachable it keeps retrying, and the owner's polling carries on meanwhile.
 *
 * Not a pool client: LISTEN state belongs to one session, and a pooled client would be handed to other queries.
 */
export function startListenConnection(options: ListenConnectionOptions): ListenConnection {
  const log = options.logger.child({ component: "listen", channels: options.channels });
  const minMs = options.retryMinMs ?? 100;
  const maxMs = options.retryMaxMs ?? 5_000;
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = minMs;
  let lostAt: number | undefined;

  const scheduleRetry = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
    delay = Math.min(maxMs, delay * 2);
  };

  const lose = (current: pg.Client, error: unknown) => {
    if (client !== current) return;
    client = undefined;
    const wasConnected = connected;
    connected = false;
    current.removeAllListeners("notification");
    current.end().catch(() => {});
    if (closed) return;
    if (wasConnected) {
      lostAt = Date.now();
      log.warn({ err: error }, "LISTEN connection lost; reconnecting (polling meanwhile)");
    }
    scheduleRetry();
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const next = new pg.Client({
      connectionString: options.url,
      application_name: options.applicationName ?? "hogsend-listen",
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    client = next;
    // Without a listener an 'error' (server shutdown, terminated backend, reset socket) would crash the process.
    next.on("error", (error) => lose(next, error));
    next.on("end", () => lose(next, new Error("LISTEN connection ended")));
    next.on("notification", (message) => {
      if (client === next) options.onNotification(message.channel, message.payload);
    });
    try {
      await next.connect();
      for (const channel of options.channels) await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      lose(next, error);
      return;
    }
    if (client !== next || closed) {
      await next.end().catch(() => {});
      return;
    }
    connected = true;
    delay = minMs;
    if (lostAt !== undefined) {
      log.info({ downMs: Date.now() - lostAt }, "LISTEN connection re-established");
      lostAt = undefined;
    }
    options.onReconnect?.();
  }

  void connect();
  return {
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const current = client;
      client = undefined;
      connected = false;
      await current?.end().catch(() => {});
    },
  };
}
