import { CLIENT_IP_HEADER, STUDIO_AUTH_BASE_PATH } from "../auth/studio/studio-auth.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { findUnsafeJson, formatJsonPath } from "../lib/input-guard/index.js";
import { clientIp } from "./client-ip.js";
import type { RouteContext } from "./create-api.js";
import { createRouter } from "./openapi-router.js";

const GUARD = { maxDepth: 8, maxChars: 16_384 };

/**
 * Better Auth's own routes (`/v1/auth/*`: sign-in, sign-out, get-session, the admin plugin's user management).
 * They are Better Auth's, not declared here, so they are not in the OpenAPI document (the README lists them).
 * Before Better Auth sees a request, its body passes the input guard and the client IP is set from the socket or
 * the trusted proxy header only (any value the client sent in that header is replaced).
 */
export function createStudioAuthRoutes(context: RouteContext) {
  const router = createRouter();
  const studio = context.studio;
  if (!studio) return router;
  router.on(["GET", "POST"], `${STUDIO_AUTH_BASE_PATH}/*`, async (c) => {
    const headers = new Headers(c.req.raw.headers);
    headers.delete(CLIENT_IP_HEADER);
    const ip = clientIp(c, studio.trustedProxyHeader);
    if (ip) headers.set(CLIENT_IP_HEADER, ip);
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (c.req.method === "POST") {
      body = new Uint8Array(await c.req.arrayBuffer());
      if (body.length > 0) guardBody(body, headers.get("content-type") ?? "");
    }
    const request = new Request(c.req.url, {
      method: c.req.method,
      headers,
      ...(body && body.length > 0 ? { body } : {}),
    });
    return studio.auth.handler(request);
  });
  return router;
}

function guardBody(bytes: Uint8Array, contentType: string): void {
  if (!/^application\/json\b/i.test(contentType)) {
    throw new HogsendError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json");
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new HogsendError(ErrorCodes.INVALID_JSON, "The body is not valid UTF-8 JSON");
  }
  const problem = findUnsafeJson(value, GUARD);
  if (problem) {
    throw new HogsendError(
      ErrorCodes.VALIDATION_FAILED,
      `${formatJsonPath(problem.path)}: ${problem.reason}`,
    );
  }
}
