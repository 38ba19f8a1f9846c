import { resolveContactTimeZone } from "../contacts/contact-time-zone.js";
import type { Queryable } from "../db/database.js";
import { nextWindowOpening } from "../lib/zoned-time.js";
import type { SendWindow } from "./journey-types.js";

/** What a send-window check journals: the decision and the zone it was made in. */
export interface SendWindowDecision {
  wakeAt: Date | null;
  detail: {
    reason: "send_window";
    window: SendWindow;
    timeZone: string;
    timeZoneSource: "journey" | "contact" | "default";
    invalidContactTimeZone?: string;
  };
}

/** A zone named by a journey, or the contact's (falling back to `defaultTimeZone`). */
export async function chooseTimeZone(
  q: Queryable,
  userId: string,
  choice: string | undefined,
  defaultTimeZone: string,
): Promise<{ timeZone: string; source: "journey" | "contact" | "default"; invalid?: string }> {
  if (choice !== undefined && choice !== "contact") return { timeZone: choice, source: "journey" };
  return resolveContactTimeZone(q, userId, defaultTimeZone);
}

/** Whether a send at `now` waits, and until when: null when the window is open now. */
export async function decideSendWindow(
  q: Queryable,
  params: { userId: string; window: SendWindow; defaultTimeZone: string; now: Date },
): Promise<SendWindowDecision> {
  const zone = await chooseTimeZone(q, params.userId, params.window.timezone, params.defaultTimeZone);
  return {
    wakeAt: nextWindowOpening(params.now, params.window, zone.timeZone),
    detail: {
      reason: "send_window",
      window: params.window,
      timeZone: zone.timeZone,
      timeZoneSource: zone.source,
      ...(zone.invalid === undefined ? {} : { invalidContactTimeZone: zone.invalid }),
    },
  };
}
