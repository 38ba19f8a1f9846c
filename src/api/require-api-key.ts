import type { MiddlewareHandler } from "hono";
import type { ApiKeyScope } from "../auth/api-key-store.js";
import { type Authenticator, assertScope } from "../auth/authenticate-api-key.js";
import type { ApiEnv } from "./api-env.js";

/** Accepts `Authorization: Bearer KEY` or `X-Api-Key: KEY`. */
export function requireApiKey(
  authenticate: Authenticator,
  scopes: readonly ApiKeyScope[],
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    const principal = await authenticate(bearer ?? c.req.header("x-api-key")?.trim());
    assertScope(principal, scopes);
    c.set("principal", principal);
    await next();
  };
}
