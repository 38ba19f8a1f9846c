import type { Queryable } from "../db/database.js";
import { EVENTS_CHANNEL } from "./event-types.js";

export interface EventNotifier {
  /** Asks for one NOTIFY soon; many calls within the window cost one. */
  poke(): void;
}

/**
 * Coalesces router wake-ups from the ingest path: at most one NOTIFY per `windowMs`, sent after the events have
 * committed. A lost NOTIFY (process death, database blip) only delays routing until the router's next poll.
 */
export function createEventNotifier(db: Queryable, windowMs = 50): EventNotifier {
  let pending = false;
  return {
    poke() {
      if (pending) return;
      pending = true;
      const timer = setTimeout(() => {
        pending = false;
        db.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`).catch(() => {});
      }, windowMs);
      timer.unref();
    },
  };
}
