import type { Queryable } from "../db/database.js";
import { isValidTimeZone } from "../lib/zoned-time.js";
import { getContactPropertyText } from "./contact-store.js";

/** The contact property holding a contact's IANA time zone (`$set: { timezone: "Europe/Berlin" }`). */
export const CONTACT_TIME_ZONE_PROPERTY = "timezone";

export interface ResolvedTimeZone {
  timeZone: string;
  /** Where it came from: the contact's property, or the configured default. */
  source: "contact" | "default";
  /** A contact value that is not a valid IANA id (the default was used instead). */
  invalid?: string;
}

/**
 * The contact's time zone: its `timezone` property when Intl knows it, else `fallback`
 * (`HOGSEND_DEFAULT_TIMEZONE`). Bad data on a contact never fails a run; it is reported in `invalid`.
 */
export async function resolveContactTimeZone(
  q: Queryable,
  userId: string,
  fallback: string,
): Promise<ResolvedTimeZone> {
  const value = await getContactPropertyText(q, userId, CONTACT_TIME_ZONE_PROPERTY);
  if (value !== null && isValidTimeZone(value)) return { timeZone: value, source: "contact" };
  return value === null
    ? { timeZone: fallback, source: "default" }
    : { timeZone: fallback, source: "default", invalid: value.slice(0, 100) };
}
