/**
 * `hogsend/client`: the typed admin API client. Its types are the server's route declarations (`AdminApi`),
 * so a route, parameter or field that does not exist is a compile error in the caller's editor.
 *
 * ```ts
 * import { createAdminClient } from "hogsend/client";
 * const admin = createAdminClient("http://localhost:3000", adminKey);
 * const res = await admin.contacts[":userId"].$get({ param: { userId: "user_123" } });
 * if (res.ok) console.log((await res.json()).data.contact.email);
 * ```
 */
import { type ClientRequestOptions, hc } from "hono/client";
import type { AdminApi } from "../api/admin-api.js";

export type { AdminApi };

/** A client of `/v1/admin` on `baseUrl` (the server's origin), sending `apiKey` as a bearer token. */
export function createAdminClient(
  baseUrl: string | URL,
  apiKey: string,
  options: Omit<ClientRequestOptions, "headers"> = {},
) {
  const root = new URL("/v1/admin", baseUrl).toString();
  return hc<AdminApi>(root, { ...options, headers: { Authorization: `Bearer ${apiKey}` } });
}

export type AdminClient = ReturnType<typeof createAdminClient>;
