/**
 * A level-triggered wake-up shared by the router, the executor and email delivery: `wait(ms)` resolves on the next
 * `notify()` (or one that came while nobody waited) or after ms, so a notification is never lost between a loop's
 * look for work and its sleep.
 */
export class WakeSignal {
  #pending = false;
  #resolve: (() => void) | undefined;

  notify(): void {
    if (this.#resolve) {
      const resolve = this.#resolve;
      this.#resolve = undefined;
      resolve();
    } else {
      this.#pending = true;
    }
  }

  /** Forgets a notification that came before: the caller is about to look for work anyway. */
  clear(): void {
    this.#pending = false;
  }

  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.#resolve = undefined;
          resolve();
        },
        Math.max(0, ms),
      );
      this.#resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
