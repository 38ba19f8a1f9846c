import { type Config, loadConfig } from "../config.js";
import { isHogsendError } from "../errors.js";

/**
 * Wraps a CLI action: parses the environment once (the only place that reads process.env), and turns a
 * HogsendError into one clear line on stderr (plus a line per bad field it names) and exit code 1 instead of a
 * stack trace.
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
        process.stderr.write(`hogsend: ${error.message}\n${describeFields(error.details)}`);
      } else {
        process.stderr.write(`hogsend: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
      }
      process.exit(1);
    }
  };
}

/**
 * The fields a validation error names (`details: [{ path, message }]`, as the API's 400 has them), one line each,
 * so `hogsend broadcasts create` with a bad audience says which condition is wrong and not just "Invalid".
 */
function describeFields(details: unknown): string {
  if (!Array.isArray(details)) return "";
  return details
    .filter((d): d is { path: unknown; message: string } => typeof d?.message === "string" && "path" in d)
    .map((d) => `  ${Array.isArray(d.path) ? d.path.join(".") : String(d.path)}: ${d.message}\n`)
    .join("");
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
