/**
 * One error class for the whole product. A code says what went wrong; `HTTP_STATUS` is the one place a code
 * becomes a status. Expected failures inside the engine are results, not throws; this class is for failures
 * that must reach a caller (an HTTP client, a CLI user, a journey author).
 */
export const ErrorCodes = {
  VALIDATION_FAILED: "VALIDATION_FAILED",
  INVALID_JSON: "INVALID_JSON",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  RATE_LIMITED: "RATE_LIMITED",
  DATABASE_UNAVAILABLE: "DATABASE_UNAVAILABLE",
  MIGRATION_PENDING: "MIGRATION_PENDING",
  CONFIG_INVALID: "CONFIG_INVALID",
  JOURNEY_INVALID: "JOURNEY_INVALID",
  NONDETERMINISTIC_JOURNEY: "NONDETERMINISTIC_JOURNEY",
  TEMPLATE_NOT_FOUND: "TEMPLATE_NOT_FOUND",
  PROVIDER_ERROR: "PROVIDER_ERROR",
  INTERNAL: "INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  DATABASE_UNAVAILABLE: 503,
  MIGRATION_PENDING: 503,
  CONFIG_INVALID: 500,
  JOURNEY_INVALID: 500,
  NONDETERMINISTIC_JOURNEY: 500,
  TEMPLATE_NOT_FOUND: 404,
  PROVIDER_ERROR: 502,
  INTERNAL: 500,
};

export class HogsendError extends Error {
  override readonly name = "HogsendError";
  readonly details: unknown;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

export function isHogsendError(error: unknown, code?: ErrorCode): error is HogsendError {
  return error instanceof HogsendError && (code === undefined || error.code === code);
}

/** Exhaustiveness check for `switch` over unions: a new member that is not handled fails to compile. */
export function assertNever(value: never, what = "value"): never {
  throw new HogsendError(ErrorCodes.INTERNAL, `Unexpected ${what}: ${JSON.stringify(value)}`);
}
