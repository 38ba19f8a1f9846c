import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuditContext } from "../audit/audit-entry.js";
import { recordAudit } from "../audit/audit-store.js";
import type { Database, Queryable } from "../db/database.js";

export const API_KEY_SCOPES = ["ingest", "admin"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A caller holding an API key (the `kind` tells it from a Studio user; see auth/principal.ts). */
export interface ApiKeyPrincipal {
  kind: "api_key";
  keyId: string | "bootstrap";
  name: string;
  scope: ApiKeyScope;
}

// Keys carry 190 bits of randomness, so a fast hash is enough: there is nothing to brute-force, and
// verification stays cheap on the ingest hot path (a slow KDF would cost milliseconds per request).
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateApiKey(scope: ApiKeyScope): string {
  return `hs_${scope}_${randomBytes(24).toString("base64url")}`;
}

interface ApiKeyRow {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toRecord = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  prefix: row.prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/** Creates a key (audited in the same transaction); the key itself is returned once and stored only as a hash. */
export async function createApiKey(
  db: Database,
  input: { name: string; scope: ApiKeyScope },
  audit: AuditContext,
): Promise<{ key: string; record: ApiKeyRecord }> {
  return db.transaction(async (tx) => {
    const created = await insertApiKey(tx, input);
    const { id, name, scope, prefix } = created.record;
    await recordAudit(tx, audit, {
      action: "api_key.created",
      targetType: "api_key",
      targetId: id,
      after: { id, name, scope, prefix },
    });
    return created;
  });
}

async function insertApiKey(
  q: Queryable,
  input: { name: string; scope: ApiKeyScope },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = generateApiKey(input.scope);
  const result = await q.query<ApiKeyRow>(
    `INSERT INTO api_keys (name, scope, prefix, key_hash) VALUES ($1, $2, $3, $4)
     RETURNING id, name, scope, prefix, created_at, last_used_at, revoked_at`,
    [input.name, input.scope, key.slice(0, 14), hashApiKey(key)],
  );
  return { key, record: toRecord(result.rows[0]!) };
}

export async function listApiKeys(q: Queryable): Promise<ApiKeyRecord[]> {
  const result = await q.query<ApiKeyRow>(
    "SELECT id, name, scope, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at",
  );
  return result.rows.map(toRecord);
}

/** Revokes by id or by the printed prefix (each revocation audited). Returns how many keys were revoked. */
export async function revokeApiKey(db: Database, idOrPrefix: string, audit: AuditContext): Promise<number> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrPrefix);
  return db.transaction(async (tx) => {
    const result = await tx.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = now()
        WHERE revoked_at IS NULL AND ${isUuid ? "id = $1::uuid" : "prefix = $1"}
        RETURNING id, name, scope, prefix, created_at, last_used_at, revoked_at`,
      [idOrPrefix],
    );
    for (const row of result.rows) {
      await recordAudit(tx, audit, {
        action: "api_key.revoked",
        targetType: "api_key",
        targetId: row.id,
        before: { id: row.id, name: row.name, scope: row.scope, prefix: row.prefix, revokedAt: null },
        after: { revokedAt: row.revoked_at },
      });
    }
    return result.rowCount ?? 0;
  });
}

export async function findActiveKeyByHash(q: Queryable, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const result = await q.query<ApiKeyRow>(
    `SELECT id, name, scope, prefix, created_at, last_used_at, revoked_at
       FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [keyHash],
  );
  const row = result.rows[0];
  return row ? toRecord(row) : undefined;
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(hashApiKey(a));
  const right = Buffer.from(hashApiKey(b));
  return timingSafeEqual(left, right);
}
