import type { Database } from "../db/database.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import {
  type ApiKeyScope,
  constantTimeEqual,
  findActiveKeyByHash,
  hashApiKey,
  type Principal,
} from "./api-key-store.js";

export type Authenticator = (presented: string | undefined) => Promise<Principal>;

const CACHE_TTL_MS = 10_000;

/**
 * Resolves a presented key to a principal. Valid keys are cached for a few seconds so that the ingest hot path
 * does not pay a query per request; revocation therefore takes effect within CACHE_TTL_MS.
 */
export function createApiKeyAuthenticator(db: Database, bootstrapKey: string | undefined): Authenticator {
  const cache = new Map<string, { principal: Principal; expires: number }>();
  return async (presented) => {
    if (!presented) throw unauthorized();
    if (bootstrapKey && constantTimeEqual(presented, bootstrapKey)) {
      return { keyId: "bootstrap", name: "HOGSEND_API_KEY", scope: "admin" };
    }
    const hash = hashApiKey(presented);
    const cached = cache.get(hash);
    if (cached && cached.expires > Date.now()) return cached.principal;
    const record = await findActiveKeyByHash(db, hash);
    if (!record) throw unauthorized();
    const principal: Principal = { keyId: record.id, name: record.name, scope: record.scope };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { principal, expires: Date.now() + CACHE_TTL_MS });
    db.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [record.id]).catch(() => {});
    return principal;
  };
}

export function assertScope(principal: Principal, allowed: readonly ApiKeyScope[]): void {
  // Same 401 as a wrong key: a key that is valid for ingest learns nothing about admin routes.
  if (!allowed.includes(principal.scope)) throw unauthorized();
}

function unauthorized(): HogsendError {
  return new HogsendError(ErrorCodes.UNAUTHORIZED, "Missing or invalid API key");
}
