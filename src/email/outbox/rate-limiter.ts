/**
 * A token bucket for provider calls: `ratePerSecond` sustained with bursts up to `burst`. Per process: with N
 * worker processes the provider sees up to N x the rate, so set EMAIL_RATE_LIMIT_PER_SECOND to the account limit
 * divided by the number of workers. 0 disables the limit.
 */
export interface RateLimiter {
  /** Resolves when one call may go ahead. */
  take(): Promise<void>;
}

export function createRateLimiter(
  ratePerSecond: number,
  burst = Math.max(1, Math.ceil(ratePerSecond)),
): RateLimiter {
  if (ratePerSecond <= 0) return { take: () => Promise.resolve() };
  let tokens = burst;
  let refilledAt = performance.now();
  let queue: Promise<void> = Promise.resolve();
  const refill = () => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * ratePerSecond);
    refilledAt = now;
  };
  const takeOne = async () => {
    refill();
    while (tokens < 1) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - tokens) / ratePerSecond) * 1000)));
      refill();
    }
    tokens -= 1;
  };
  return {
    // Callers queue in order so a burst of waiters is released at the rate, not all at once.
    take() {
      const turn = queue.then(takeOne);
      queue = turn.catch(() => {});
      return turn;
    },
  };
}
