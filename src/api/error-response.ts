import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isConnectionError } from "../db/database.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { ApiEnv } from "./api-env.js";

/** The one place an error becomes an HTTP response: `{ error: { code, message, details? } }`. */
export function errorResponse(error: unknown, c: Context<ApiEnv>): Response {
  const known = toHogsendError(error);
  if (known.status >= 500 && known.code !== ErrorCodes.DATABASE_UNAVAILABLE) {
    c.get("logger")?.error({ err: error }, "request failed");
  }
  if (known.code === ErrorCodes.DATABASE_UNAVAILABLE) c.header("Retry-After", "5");
  const retryAfter = (known.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (known.code === ErrorCodes.RATE_LIMITED && retryAfter !== undefined)
    c.header("Retry-After", String(retryAfter));
  const body: { error: { code: string; message: string; details?: unknown } } = {
    error: { code: known.code, message: known.message },
  };
  if (known.details !== undefined && known.status < 500) body.error.details = known.details;
  return c.json(body, known.status as ContentfulStatusCode);
}

function toHogsendError(error: unknown): HogsendError {
  if (error instanceof HogsendError) return error;
  if (isConnectionError(error)) {
    return new HogsendError(ErrorCodes.DATABASE_UNAVAILABLE, "The database is unavailable; retry shortly", {
      cause: error,
    });
  }
  if (error instanceof HTTPException) {
    const code =
      error.status === 413
        ? ErrorCodes.PAYLOAD_TOO_LARGE
        : error.status === 415
          ? ErrorCodes.UNSUPPORTED_MEDIA_TYPE
          : error.status === 401
            ? ErrorCodes.UNAUTHORIZED
            : error.status === 404
              ? ErrorCodes.NOT_FOUND
              : error.status < 500
                ? ErrorCodes.VALIDATION_FAILED
                : ErrorCodes.INTERNAL;
    return new HogsendError(code, error.message || "Request failed", { cause: error });
  }
  return new HogsendError(ErrorCodes.INTERNAL, "Internal server error", { cause: error });
}
