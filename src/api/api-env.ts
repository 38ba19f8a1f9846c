import type { Principal } from "../auth/api-key-store.js";
import type { Logger } from "../lib/logger.js";

/** What every route handler can read from the Hono context. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: Principal;
  };
}
