import type { MiddlewareHandler } from "hono";
import { isStudioRole } from "../auth/studio/studio-roles.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext, StudioAccess } from "./create-api.js";
import { requireApiKey } from "./require-api-key.js";

const READ_ONLY = new Set(["GET", "HEAD", "OPTIONS"]);
const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?hogsend\.session_token=/;

/**
 * The admin API's door: an `admin` API key (`Authorization: Bearer` / `X-Api-Key`), or a Studio session cookie.
 * A key, when presented, decides alone. For a session, everything but GET/HEAD must come from a trusted origin
 * (Origin, else Referer: a cross-site form or fetch cannot ride the cookie) and from an `admin`: a `viewer` is
 * read-only on every route under this middleware, present and future.
 */
export function requireAdminPrincipal(context: RouteContext): MiddlewareHandler<ApiEnv> {
  const byKey = requireApiKey(context.authenticate, ["admin"]);
  const studio = context.studio;
  return async (c, next) => {
    const presentsKey =
      c.req.header("authorization") !== undefined || c.req.header("x-api-key") !== undefined;
    if (presentsKey || !studio || !SESSION_COOKIE.test(c.req.header("cookie") ?? "")) return byKey(c, next);

    const found = await studio.auth.api.getSession({ headers: c.req.raw.headers });
    if (!found || found.user.banned === true) {
      throw new HogsendError(ErrorCodes.UNAUTHORIZED, "The Studio session is missing, expired or revoked");
    }
    // A role this build does not know gets the least a user can have.
    const role = isStudioRole(found.user.role) ? found.user.role : "viewer";
    if (!READ_ONLY.has(c.req.method)) {
      assertTrustedOrigin(c.req.header("origin"), c.req.header("referer"), studio.trustedOrigins);
      if (role !== "admin") {
        throw new HogsendError(
          ErrorCodes.FORBIDDEN,
          "A viewer may only read; ask an admin for the admin role",
        );
      }
    }
    c.set("principal", { kind: "user", userId: found.user.id, email: found.user.email, role });
    await next();
  };
}

function assertTrustedOrigin(
  origin: string | undefined,
  referer: string | undefined,
  trusted: readonly string[],
): void {
  const claimed = origin && origin !== "null" ? origin : originOf(referer);
  if (claimed === undefined || !trusted.includes(claimed)) {
    throw new HogsendError(
      ErrorCodes.FORBIDDEN,
      "Cookie-authenticated changes must come from Studio's origin (Origin or Referer header)",
    );
  }
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export type { StudioAccess };
