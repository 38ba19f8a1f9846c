/**
 * `hogsend/client`: the typed admin API client. Its types are the server's route declarations (`AdminApi`),
 * so a route, parameter or field that does not exist is a compile error in the caller's editor.
 *
 * ```ts
 * import { createAdminClient } from "hogsend/client";
 * const admin = createAdminClient("http://localhost:3000", adminKey);
 * const res = await admin.contacts[":userId"].$get({ param: { userId: "user_123" } });
 * if (res.ok) console.log((await res.json()).data.contact.email);
 *
 * // In a browser signed in to Studio: the session cookie instead of a key.
 * const studio = createAdminClient(location.origin, { credentials: "include" });
 * ```
 */
import { type ClientRequestOptions, hc } from "hono/client";
import type { AdminApi } from "../api/admin-api.js";

export type { AdminApi };

/** Options for a client authenticated by the browser's cookies (a Studio session) rather than an API key. */
export type CookieClientOptions = Omit<ClientRequestOptions, "headers"> & {
  /** `"include"` (or `"same-origin"` when Studio and the API share an origin) sends the session cookie. */
  credentials: NonNullable<RequestInit["credentials"]>;
  headers?: Record<string, string>;
};

/**
 * A client of `/v1/admin` on `baseUrl` (the server's origin): with an `apiKey`, sent as a bearer token; or with
 * `{ credentials }`, no key, the browser's session cookie.
 */
export function createAdminClient(
  baseUrl: string | URL,
  apiKey: string,
  options?: Omit<ClientRequestOptions, "headers">,
): ReturnType<typeof hc<AdminApi>>;
export function createAdminClient(
  baseUrl: string | URL,
  options: CookieClientOptions,
): ReturnType<typeof hc<AdminApi>>;
export function createAdminClient(
  baseUrl: string | URL,
  auth: string | CookieClientOptions,
  options: Omit<ClientRequestOptions, "headers"> = {},
) {
  const root = new URL("/v1/admin", baseUrl).toString();
  if (typeof auth === "string") {
    return hc<AdminApi>(root, { ...options, headers: { Authorization: `Bearer ${auth}` } });
  }
  const { credentials, init, headers, ...rest } = auth;
  return hc<AdminApi>(root, {
    ...rest,
    ...(headers ? { headers } : {}),
    init: { ...init, credentials },
  });
}

export type AdminClient = ReturnType<typeof createAdminClient>;
