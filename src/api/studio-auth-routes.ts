import { bodyLimit } from "hono/body-limit";
import { auditedUserAction, handleAuditedUserChange } from "../auth/studio/audited-user-admin.js";
import { CLIENT_IP_HEADER, STUDIO_AUTH_BASE_PATH } from "../auth/studio/studio-auth.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { findUnsafeJson, formatJsonPath, isUuid } from "../lib/input-guard/index.js";
import type { RouteContext } from "./create-api.js";
import { createRouter } from "./openapi-router.js";

const GUARD = { maxDepth: 8, maxChars: 16_384 };
const SIGN_IN_PATH = `${STUDIO_AUTH_BASE_PATH}/sign-in/email`;

/**
 * Better Auth's own routes (`/v1/auth/*`: sign-in, sign-out, get-session, the admin plugin's user management).
 * They are Better Auth's, not declared here, so they are not in the OpenAPI document (the README lists them).
 * Before Better Auth sees a request, its body passes the input guard, a sign-in counts against its account's limit
 * (Better Auth's own limit is per IP), and the client IP is set from the socket or the trusted proxy header only
 * (any value the client sent in that header is replaced).
 */
export function createStudioAuthRoutes(context: RouteContext) {
  const router = createRouter();
  const studio = context.studio;
  if (!studio) return router;
  // Sign-in cannot be authenticated before its body is read, so its bodies are capped small: an oversized one is
  // refused from its Content-Length at once, without reading (or waiting for) a byte of it.
  router.use(
    `${STUDIO_AUTH_BASE_PATH}/*`,
    bodyLimit({
      maxSize: GUARD.maxChars,
      onError: () => {
        throw new HogsendError(
          ErrorCodes.PAYLOAD_TOO_LARGE,
          `Studio auth bodies are limited to ${GUARD.maxChars} bytes`,
        );
      },
    }),
  );
  router.on(["GET", "POST"], `${STUDIO_AUTH_BASE_PATH}/*`, async (c) => {
    const headers = new Headers(c.req.raw.headers);
    headers.delete(CLIENT_IP_HEADER);
    const ip = c.get("clientIp");
    if (ip) headers.set(CLIENT_IP_HEADER, ip);
    let body: Uint8Array<ArrayBuffer> | undefined;
    let signInEmail: string | undefined;
    let targetUserId: string | undefined;
    if (c.req.method === "POST") {
      body = new Uint8Array(await c.req.arrayBuffer());
      const parsed = body.length > 0 ? guardBody(body, headers.get("content-type") ?? "") : undefined;
      const fields = (parsed ?? {}) as { email?: unknown; userId?: unknown };
      if (c.req.path === SIGN_IN_PATH && typeof fields.email === "string") signInEmail = fields.email;
      if (fields.userId !== undefined) {
        // Studio user ids are uuids; anything else would only reach Postgres to fail there.
        if (typeof fields.userId !== "string" || !isUuid(fields.userId)) {
          throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "userId must be a Studio user id (a uuid)");
        }
        targetUserId = fields.userId;
      }
    }
    if (signInEmail !== undefined) {
      const limit = await studio.auth.signInLimit.isBlocked(signInEmail);
      if (limit.blocked) {
        throw new HogsendError(
          ErrorCodes.RATE_LIMITED,
          "Too many failed sign-ins for this account; try again later",
          { details: { retryAfterSeconds: limit.retryAfterSeconds } },
        );
      }
    }
    const request = new Request(c.req.url, {
      method: c.req.method,
      headers,
      ...(body && body.length > 0 ? { body } : {}),
    });
    const action =
      c.req.method === "POST" ? auditedUserAction(c.req.path.slice(STUDIO_AUTH_BASE_PATH.length)) : undefined;
    if (action !== undefined) {
      return handleAuditedUserChange(studio.auth, request, {
        action,
        targetId: targetUserId,
        requestId: c.get("requestId"),
        ip,
      });
    }
    const response = await studio.auth.handler(request);
    if (signInEmail !== undefined && response.status === 401)
      await studio.auth.signInLimit.recordFailure(signInEmail);
    return response;
  });
  return router;
}

function guardBody(bytes: Uint8Array, contentType: string): unknown {
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
  return value;
}
