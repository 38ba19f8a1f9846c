/**
 * Time is injected everywhere it matters so that durable sleeps can be tested with a virtual clock: a
 * seven-day journey runs in milliseconds when the clock is advanced instead of waited for.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to. Used by the journey test harness. */
export class VirtualClock implements Clock {
  #ms: number;

  constructor(start: Date | string | number = Date.UTC(2030, 0, 1)) {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Cannot advance a clock by ${ms} ms`);
    this.#ms += ms;
    return this.now();
  }

  set(to: Date | string | number): void {
    const ms = new Date(to).getTime();
    if (ms < this.#ms) throw new RangeError("A virtual clock never moves backwards");
    this.#ms = ms;
  }
}
