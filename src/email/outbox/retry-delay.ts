/**
 * Exponential backoff with jitter for attempt `attempt` (1-based): base, 2x base, 4x base ... capped at an hour,
 * each scaled by a random 0.8-1.2 so that a provider outage does not end in a synchronised retry storm.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(Math.min(3_600_000, exponential) * (0.8 + 0.4 * random()));
}
