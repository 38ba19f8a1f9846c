import type { Database } from "../db/database.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import {
  type ApiKeyPrincipal,
  type ApiKeyScope,
  constantTimeEqual,
  findActiveKeyByHash,
  hashApiKey,
} from "./api-key-store.js";

export interface Authenticator {
  /** Resolves a presented key to a principal; a missing, wrong or revoked key is a 401. */
  (presented: string | undefined): Promise<ApiKeyPrincipal>;
  /** Drops one key from the cache: it was revoked or changed (here or in another process). */
  forget(keyId: string): void;
  /** Drops every cached key: revocations may have been missed. */
  forgetAll(): void;
}

export interface AuthenticatorOptions {
  /**
   * True while this process is sure to hear of every revocation (its LISTEN on `hogsend_api_keys` is up). Unset
   * means never.
   */
  hearsRevocations?: () => boolean;
}

// While revocations are heard, a cached key is dropped the moment it is revoked anywhere; the TTL only bounds a
// notification lost without the connection noticing (a half-open socket, until TCP keepalive gives up).
const HEARD_TTL_MS = 10_000;
// Unheard (no LISTEN, or it is down), a revocation elsewhere reaches this process only through the database, so a
// cached key is trusted for one second: revocation takes effect everywhere within a second, and the ingest hot path
// still pays at most one query per key per second.
const UNHEARD_TTL_MS = 1_000;

/**
 * Resolves a presented key to a principal, with a small cache of valid keys so that the ingest hot path does not
 * pay a query per request.
 */
export function createApiKeyAuthenticator(
  db: Database,
  bootstrapKey: string | undefined,
  options: AuthenticatorOptions = {},
): Authenticator {
  const cache = new Map<string, { principal: ApiKeyPrincipal; cachedAt: number }>();
  // Bumped by every forget: a lookup that started before a revocation must not cache the answer it read before it.
  let generation = 0;

  const authenticate = async (presented: string | undefined): Promise<ApiKeyPrincipal> => {
    if (!presented) throw unauthorized();
    if (bootstrapKey && constantTimeEqual(presented, bootstrapKey)) {
      return { kind: "api_key", keyId: "bootstrap", name: "HOGSEND_API_KEY", scope: "admin" };
    }
    const hash = hashApiKey(presented);
    const cached = cache.get(hash);
    const ttl = options.hearsRevocations?.() ? HEARD_TTL_MS : UNHEARD_TTL_MS;
    if (cached && Date.now() - cached.cachedAt < ttl) return cached.principal;
    const startedIn = generation;
    const startedAt = Date.now();
    const record = await findActiveKeyByHash(db, hash);
    if (!record) throw unauthorized();
    const principal: ApiKeyPrincipal = {
      kind: "api_key",
      keyId: record.id,
      name: record.name,
      scope: record.scope,
    };
    if (generation === startedIn) {
      if (cache.size > 10_000) cache.clear();
      // Aged from before the query: the row it read can be no younger than that.
      cache.set(hash, { principal, cachedAt: startedAt });
    }
    db.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [record.id]).catch(() => {});
    return principal;
  };

  return Object.assign(authenticate, {
    forget(keyId: string) {
      generation++;
      for (const [hash, entry] of cache) if (entry.principal.keyId === keyId) cache.delete(hash);
    },
    forgetAll() {
      generation++;
      cache.clear();
    },
  });
}

export function assertScope(principal: ApiKeyPrincipal, allowed: readonly ApiKeyScope[]): void {
  // Same 401 as a wrong key: a key that is valid for ingest learns nothing about admin routes.
  if (!allowed.includes(principal.scope)) throw unauthorized();
}

function unauthorized(): HogsendError {
  return new HogsendError(ErrorCodes.UNAUTHORIZED, "Missing or invalid API key");
}
