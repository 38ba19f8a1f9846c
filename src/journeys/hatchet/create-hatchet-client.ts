import { HatchetClient } from "@hatchet-dev/typescript-sdk/v1/index.js";
import type { Logger } from "../../lib/logger.js";
import type { HatchetSettings } from "./hatchet-settings.js";

/**
 * A Hatchet client from explicit settings (not the SDK's own reading of the environment), its log lines routed into
 * ours: the SDK's info chatter at debug, its warnings and errors as they are.
 */
export function createHatchetClient(settings: HatchetSettings, logger: Logger): HatchetClient {
  const log = logger.child({ component: "hatchet" });
  return HatchetClient.init({
    token: settings.token,
    ...(settings.hostPort ? { host_port: settings.hostPort } : {}),
    tls_config: { tls_strategy: settings.tlsStrategy },
    ...(settings.namespace ? { namespace: settings.namespace } : {}),
    log_level: "WARN",
    logger: (context: string) => ({
      debug: (message: string) => log.debug({ context }, message),
      info: (message: string) => log.debug({ context }, message),
      green: (message: string) => log.debug({ context }, message),
      warn: (message: string, error?: Error) => log.warn({ context, err: error }, message),
      error: (message: string, error?: Error) => log.error({ context, err: error }, message),
      util: (_key: string, message: string) => log.debug({ context }, message),
    }),
  });
}
