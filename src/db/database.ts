import pg from "pg";
import type { Logger } from "../lib/logger.js";
import { createDatabaseAvailability, type DatabaseAvailability } from "./database-availability.js";

/**
 * The database port. Product modules take a `Database` and own their SQL in a `*-store.ts`; only this file
 * knows about node-postgres pools.
 */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly pool: pg.Pool;
  readonly url: string;
  /** Whether the database is reachable, as seen by this pool's own traffic. */
  readonly availability: DatabaseAvailability;
  /** A prepared statement: parsed and planned once per connection (hot paths only). */
  queryPrepared<R extends pg.QueryResultRow = pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Runs `fn` in one transaction, committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** A client for work that needs one session (group commits); release it with `release(error)` on failure. */
  connect(): Promise<pg.PoolClient>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  max?: number;
  applicationName?: string;
  logger?: Logger;
  /** After this long unreachable, an error is logged (once per outage); default 30 s. */
  outageAlertMs?: number;
}

// bigint (int8) as number: our counts and ids stay far below 2^53, and callers want numbers.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const availability = createDatabaseAvailability({
    logger: options.logger,
    outageAlertMs: options.outageAlertMs ?? 30_000,
  });
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "hogsend",
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A failover can leave sockets to a vanished host open forever; TCP keepalive finds them.
    keepAlive: true,
  });
  // pg-pool listens for client errors only while a client is idle and removes that listener on checkout, so a
  // connection that dies inside a transaction (restart, failover, pg_terminate_backend) would emit 'error' with
  // no listener and crash the process. Every client gets its own listener for its whole life; the query in
  // flight still rejects, and the broken client is dropped from the pool on release.
  pool.on("connect", (client) => {
    client.on("error", (error) => availability.failed(error));
    availability.connected();
  });
  pool.on("error", (error) => availability.failed(error));

  const track = <T>(work: () => Promise<T>): Promise<T> => {
    const began = availability.begin();
    return work().then(
      (result) => {
        availability.succeeded(began);
        return result;
      },
      (error: unknown) => {
        if (isConnectionError(error)) availability.failed(error);
        throw error;
      },
    );
  };
  const connect = () => track(() => pool.connect());

  return {
    pool,
    url,
    availability,
    query: (text, values) => track(() => pool.query(text, values)),
    queryPrepared: (name, text, values) => track(() => pool.query({ name, text, values })),
    connect,
    async transaction(fn) {
      const client = await connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await fn(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        if (isConnectionError(error)) availability.failed(error);
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      availability.close();
      await pool.end();
    },
  };
}

/** True for errors that mean "the database is not there right now", as opposed to a bad query. */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE", "EAI_AGAIN"].includes(code))
      return true;
    // 08xxx connection exceptions, 57P01-57P03 admin shutdown / cannot connect now.
    if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03") return true;
    // Too many connections: a failover or restart storm, gone once the server settles.
    if (code === "53300") return true;
  }
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === "string" &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
      message,
    )
  );
}
