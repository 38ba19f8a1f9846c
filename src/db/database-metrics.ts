import { Counter, Gauge, type Registry } from "prom-client";
import type { Database } from "./database.js";

/**
 * Database reachability and pool use as Prometheus metrics, read from the pool when scraped (no per-query cost).
 * `hogsend_database_up` 0 with a growing `hogsend_database_outage_seconds` is what an alert rule watches: the
 * process itself keeps retrying and never exits because of an outage.
 */
export function registerDatabaseMetrics(registry: Registry, db: Database): void {
  new Gauge({
    name: "hogsend_database_up",
    help: "1 while this process reaches Postgres, 0 during an outage",
    registers: [registry],
    collect() {
      this.set(db.availability.snapshot().up ? 1 : 0);
    },
  });
  new Gauge({
    name: "hogsend_database_outage_seconds",
    help: "Length of the current Postgres outage as seen by this process (0 while reachable)",
    registers: [registry],
    collect() {
      this.set(db.availability.snapshot().outageMs / 1000);
    },
  });
  let reported = 0;
  new Counter({
    name: "hogsend_database_outages_total",
    help: "Postgres outages (lost or refused connections) this process has lived through",
    registers: [registry],
    collect() {
      const outages = db.availability.snapshot().outages;
      if (outages > reported) this.inc(outages - reported);
      reported = outages;
    },
  });
  // in_use + idle = the pool's open connections; waiting requests are not connections, so a gauge of their own.
  new Gauge({
    name: "hogsend_db_pool_connections",
    help: "Open connections of this process's Postgres pool by state (in_use, idle)",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      this.set({ state: "in_use" }, db.pool.totalCount - db.pool.idleCount);
      this.set({ state: "idle" }, db.pool.idleCount);
    },
  });
  new Gauge({
    name: "hogsend_db_pool_waiting_requests",
    help: "Queries of this process waiting for a free pool connection",
    registers: [registry],
    collect() {
      this.set(db.pool.waitingCount);
    },
  });
  new Gauge({
    name: "hogsend_db_pool_max_connections",
    help: "The size limit of this process's Postgres pool (HOGSEND_DB_POOL_SIZE)",
    registers: [registry],
    collect() {
      this.set(db.pool.options.max ?? 10);
    },
  });
}
