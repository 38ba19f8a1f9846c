import { type Config, loadConfig } from "../config.js";
import { isHogsendError } from "../errors.js";

/**
 * Wraps a CLI action: parses the environment once (the only place that reads process.env), and turns a
 * HogsendError into one clear line on stderr and exit code 1 instead of a stack trace.
 */
export function runCommand<A extends unknown[]>(
  load: () => Promise<(config: Config, ...args: A) => Promise<void>>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const config = loadConfig(process.env);
      const action = await load();
      await action(config, ...args);
    } catch (error) {
      if (isHogsendError(error)) {
        process.stderr.write(`hogsend: ${error.message}\n`);
      } else {
        process.stderr.write(`hogsend: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
      }
      process.exit(1);
    }
  };
}

/** Resolves when the process is asked to stop (SIGTERM or SIGINT). A second signal exits at once. */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) process.exit(130);
      received = true;
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
