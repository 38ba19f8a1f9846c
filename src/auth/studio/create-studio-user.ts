import { randomBytes } from "node:crypto";
import { isAPIError } from "better-auth/api";
import type { AuditContext } from "../../audit/audit-entry.js";
import { recordAudit } from "../../audit/audit-store.js";
import type { Database } from "../../db/database.js";
import { ErrorCodes, HogsendError } from "../../errors.js";
import type { StudioAuth } from "./studio-auth.js";
import type { StudioRole } from "./studio-roles.js";
import { hasAnyStudioUser } from "./studio-user-store.js";

// Any fixed 64-bit key: every api process minting the first admin into one database takes the same lock.
const FIRST_ADMIN_LOCK_KEY = 7_261_030_460;
export const DEV_ADMIN_EMAIL = "admin@hogsend.local";
const FIRST_ADMIN_AUDIT: AuditContext = { actor: { type: "system", name: "first-admin" } };

export interface NewStudioUser {
  email: string;
  password: string;
  role: StudioRole;
  name?: string;
}

/** 24 random bytes as base64url: 32 characters, ~190 bits. */
export function generatePassword(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * Creates a Studio user with an email + password account, through Better Auth's admin plugin (server-side, so
 * no session is needed), and its audit entry in the same transaction. An address already taken is a CONFLICT, a
 * password Better Auth refuses a VALIDATION_FAILED.
 */
export async function createStudioUser(
  auth: StudioAuth,
  user: NewStudioUser,
  audit: AuditContext,
): Promise<{ id: string; email: string; role: StudioRole }> {
  try {
    return await auth.withTransaction(async (client) => {
      const created = await auth.api.createUser({
        body: {
          email: user.email,
          password: user.password,
          name: user.name ?? user.email.split("@")[0] ?? user.email,
          role: user.role,
        },
      });
      const { id, email } = created.user;
      await recordAudit(client, audit, {
        action: "studio_user.created",
        targetType: "studio_user",
        targetId: id,
        after: { email, name: created.user.name, role: user.role },
      });
      return { id, email, role: user.role };
    });
  } catch (error) {
    if (!isAPIError(error)) throw error;
    const message = error.message || error.body?.message || "Better Auth refused the user";
    const code =
      error.body?.code === "USER_ALREADY_EXISTS" || error.status === "UNPROCESSABLE_ENTITY"
        ? ErrorCodes.CONFLICT
        : ErrorCodes.VALIDATION_FAILED;
    throw new HogsendError(code, `Cannot create Studio user ${user.email}: ${message}`, { cause: error });
  }
}

export interface FirstAdminResult {
  created: boolean;
  email: string;
  /** Set when the password was generated here: the only time anyone sees it. */
  generatedPassword?: string;
}

/**
 * Mints the first admin into an EMPTY Studio user table and never touches an existing user. Two api processes
 * booting at once serialise on an advisory lock held across the check and the insert, so exactly one mints.
 */
export async function ensureFirstAdmin(
  auth: StudioAuth,
  db: Database,
  admin: { email: string; password?: string | undefined },
): Promise<FirstAdminResult> {
  const client = await db.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [FIRST_ADMIN_LOCK_KEY]);
    try {
      if (await hasAnyStudioUser(client)) return { created: false, email: admin.email };
      const password = admin.password ?? generatePassword();
      await createStudioUser(auth, { email: admin.email, password, role: "admin" }, FIRST_ADMIN_AUDIT);
      return {
        created: true,
        email: admin.email,
        ...(admin.password === undefined ? { generatedPassword: password } : {}),
      };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [FIRST_ADMIN_LOCK_KEY]).catch(() => {});
    }
  } finally {
    client.release();
  }
}
