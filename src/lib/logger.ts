import { type Logger, pino } from "pino";

export type { Logger };

/**
 * pino, pretty-printed for people in development and JSON lines everywhere else — always on stderr (fd 2), so
 * stdout carries only a command's output (`hogsend contacts export > contacts.ndjson` stays clean). Colours
 * only when stderr is a terminal, never in a file, a pipe or a container's log collector.
 */
export function createLogger(options: { level: string; pretty: boolean; name?: string }): Logger {
  const base = options.name ? { service: options.name } : {};
  if (options.pretty) {
    return pino({
      level: options.level,
      base,
      transport: {
        target: "pino-pretty",
        options: {
          destination: 2,
          // Decided here: the transport runs in a worker thread, whose process.stderr is never a TTY.
          colorize: process.stderr.isTTY === true,
          ignore: "pid,hostname,service",
        },
      },
    });
  }
  return pino({ level: options.level, base }, pino.destination({ dest: 2, sync: true }));
}
