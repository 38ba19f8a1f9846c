import type { Database } from "../db/database.js";
import { startListenConnection } from "../db/listen-connection.js";
import type { Logger } from "../lib/logger.js";
import { type Authenticator, createApiKeyAuthenticator } from "./authenticate-api-key.js";

/** Notified with a key's id when it is revoked, deleted or changed (trigger of migration 0052). */
export const API_KEY_CHANGES_CHANNEL = "hogsend_api_keys";

export interface RevocationAwareAuthenticator {
  readonly authenticate: Authenticator;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * An authenticator whose cache hears revocations from every process: it LISTENs on `hogsend_api_keys`, drops a key
 * when notified, and drops everything when the LISTEN connection comes back (what was notified meanwhile is lost).
 * While it is down the cache trusts a key for a second only (see createApiKeyAuthenticator).
 */
export function startRevocationAwareAuthenticator(options: {
  db: Database;
  bootstrapKey: string | undefined;
  logger: Logger;
}): RevocationAwareAuthenticator {
  let listening = () => false;
  const authenticate = createApiKeyAuthenticator(options.db, options.bootstrapKey, {
    hearsRevocations: () => listening(),
  });
  const listen = startListenConnection({
    url: options.db.url,
    channels: [API_KEY_CHANGES_CHANNEL],
    logger: options.logger,
    applicationName: "hogsend-api-keys",
    onNotification: (_channel, keyId) => (keyId ? authenticate.forget(keyId) : authenticate.forgetAll()),
    onReconnect: () => authenticate.forgetAll(),
  });
  listening = () => listen.connected;
  return { authenticate, close: () => listen.close() };
}
