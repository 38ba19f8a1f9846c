import type { Logger } from "../lib/logger.js";

export interface DatabaseAvailabilitySnapshot {
  /** False from the first connection failure until a connection made or a query started after it succeeds. */
  up: boolean;
  /** When the current outage began (undefined while up). */
  downSince: Date | undefined;
  /** Outages since the process started. */
  outages: number;
  /** Milliseconds of the current outage, 0 while up. */
  outageMs: number;
}

export interface DatabaseAvailability {
  snapshot(): DatabaseAvailabilitySnapshot;
  /** A token to pass to `succeeded`: a success only proves recovery if its work began after the failure. */
  begin(): number;
  failed(error: unknown): void;
  succeeded(began: number): void;
  /** A new physical connection was established: proof that the database is there. */
  connected(): void;
  close(): void;
}

export interface DatabaseAvailabilityOptions {
  logger: Logger | undefined;
  /** After this long unreachable the process logs an error (once per outage) and keeps retrying. */
  outageAlertMs: number;
  /** How long work must succeed without a new failure before the outage counts as over; default 1 s. */
  confirmMs?: number;
}

/**
 * Watches every query, transaction and connection of one pool and turns their failures into one outage: logged
 * once when it starts, once (as an error) if it lasts longer than `outageAlertMs`, and once when it ends. The
 * loops that hit the failures retry quietly and leave the telling to this.
 *
 * Why epochs and a confirmation: during a restart, queries on connections the server has not yet closed can still
 * succeed after others failed. A success only counts if its work began after the latest failure, and the outage
 * ends only when no failure follows within `confirmMs`; otherwise one restart would be logged as several outages.
 */
export function createDatabaseAvailability(options: DatabaseAvailabilityOptions): DatabaseAvailability {
  const log = options.logger?.child({ component: "database" });
  const confirmMs = options.confirmMs ?? 1_000;
  let epoch = 0;
  let downSince: number | undefined;
  let upCandidate: number | undefined;
  let confirmTimer: NodeJS.Timeout | undefined;
  let outages = 0;
  let alertTimer: NodeJS.Timeout | undefined;
  let lastError: unknown;

  const confirm = () => {
    confirmTimer = undefined;
    if (downSince === undefined || upCandidate === undefined) return;
    const downMs = upCandidate - downSince;
    downSince = undefined;
    upCandidate = undefined;
    clearTimeout(alertTimer);
    alertTimer = undefined;
    log?.info({ downMs }, `database reachable again after ${formatMs(downMs)}`);
  };
  const recovering = () => {
    if (downSince === undefined || upCandidate !== undefined) return;
    upCandidate = Date.now();
    confirmTimer = setTimeout(confirm, confirmMs);
    confirmTimer.unref();
  };

  return {
    snapshot() {
      return {
        up: downSince === undefined,
        downSince: downSince === undefined ? undefined : new Date(downSince),
        outages,
        outageMs: downSince === undefined ? 0 : Date.now() - downSince,
      };
    },
    begin: () => epoch,
    failed(error) {
      lastError = error;
      epoch++;
      if (downSince !== undefined) {
        // Still the same outage: a success before this failure did not last, so it proved nothing.
        upCandidate = undefined;
        clearTimeout(confirmTimer);
        confirmTimer = undefined;
        return;
      }
      downSince = Date.now();
      outages++;
      log?.warn(
        { err: error },
        "database connection lost; work in flight is rolled back and retried until the database answers",
      );
      alertTimer = setTimeout(() => {
        alertTimer = undefined;
        if (downSince === undefined) return;
        log?.error(
          { err: lastError, downMs: Date.now() - downSince },
          `database unreachable for ${formatMs(Date.now() - downSince)}; still retrying (the process does not exit)`,
        );
      }, options.outageAlertMs);
      alertTimer.unref();
    },
    succeeded(began) {
      if (began === epoch) recovering();
    },
    connected: recovering,
    close() {
      clearTimeout(alertTimer);
      clearTimeout(confirmTimer);
    },
  };
}

function formatMs(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
