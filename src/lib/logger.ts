import { type Logger, pino } from "pino";

export type { Logger };

/** pino, pretty-printed for people in development and JSON lines everywhere else. */
export function createLogger(options: { level: string; pretty: boolean; name?: string }): Logger {
  return pino({
    level: options.level,
    base: options.name ? { service: options.name } : {},
    ...(options.pretty
      ? { transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname,service" } } }
      : {}),
  });
}
