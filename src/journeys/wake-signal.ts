/** A level-triggered wake-up: `wait(ms)` resolves on the next `notify()` (or one that came before) or after ms. */
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
