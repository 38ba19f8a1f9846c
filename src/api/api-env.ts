import type { Principal } from "../auth/principal.js";
import type { Logger } from "../lib/logger.js";

/** What every route handler can read from the Hono context. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    /** The socket's address, or HOGSEND_TRUSTED_PROXY_HEADER's when set; undefined for in-process requests. */
    clientIp: string | undefined;
    logger: Logger;
    /** An API key everywhere; on `/v1/admin/*` also a Studio user (session cookie). */
    principal: Principal;
  };
}
