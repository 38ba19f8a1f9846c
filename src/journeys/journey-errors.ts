/** Throw from a journey to fail the run at once, without retries. */
export class NonRetryableError extends Error {
  override readonly name = "NonRetryableError";
}

/** Throw from a journey to retry the run after `ms` milliseconds or at a given `Date`. */
export class RetryAfterError extends Error {
  override readonly name = "RetryAfterError";
  readonly retryAfter: number | Date;

  constructor(message: string, retryAfter: number | Date) {
    super(message);
    this.retryAfter = retryAfter;
  }
}
