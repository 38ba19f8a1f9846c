import type { AuditContext } from "../../audit/audit-entry.js";
import { recordAudit } from "../../audit/audit-store.js";
import type { StudioAuth } from "./studio-auth.js";
import { findStudioUserSnapshot } from "./studio-user-store.js";

/** Better Auth's admin-plugin endpoints that change a user, and the audit action each one records. */
const AUDITED_ACTIONS: Readonly<Record<string, string>> = {
  "/admin/create-user": "studio_user.created",
  "/admin/set-role": "studio_user.role_changed",
  "/admin/ban-user": "studio_user.banned",
  "/admin/unban-user": "studio_user.unbanned",
  "/admin/remove-user": "studio_user.removed",
  "/admin/set-user-password": "studio_user.password_set",
  "/admin/update-user": "studio_user.updated",
  "/admin/revoke-user-sessions": "studio_user.sessions_revoked",
  "/admin/revoke-user-session": "studio_user.session_revoked",
};

/** The audit action of an admin-plugin path (relative to /v1/auth), or undefined when it changes no user. */
export function auditedUserAction(path: string): string | undefined {
  return Object.hasOwn(AUDITED_ACTIONS, path) ? AUDITED_ACTIONS[path] : undefined;
}

class Refused extends Error {
  constructor(readonly response: Response) {
    super("refused");
  }
}

/**
 * Runs one admin-plugin request that changes a user inside a transaction that Better Auth's statements join
 * (`StudioAuth.withTransaction`), and writes its audit entry (actor: the signed-in admin; before/after: the user,
 * never a password) in that same transaction. A refused request (any non-2xx) rolls back and writes nothing.
 */
export async function handleAuditedUserChange(
  auth: StudioAuth,
  request: Request,
  change: { action: string; targetId: string | undefined; requestId?: string; ip?: string | undefined },
): Promise<Response> {
  try {
    return await auth.withTransaction(async (client) => {
      const session = await auth.api.getSession({ headers: request.headers });
      const before = change.targetId ? await findStudioUserSnapshot(client, change.targetId) : null;
      const response = await auth.handler(request);
      if (!response.ok || !session) throw new Refused(response);
      const targetId =
        change.targetId ??
        (
          (await response
            .clone()
            .json()
            .catch(() => undefined)) as { user?: { id?: string } } | undefined
        )?.user?.id;
      const after = targetId ? await findStudioUserSnapshot(client, targetId) : null;
      const context: AuditContext = {
        actor: { type: "user", id: session.user.id, email: session.user.email },
        requestId: change.requestId,
        ip: change.ip,
      };
      await recordAudit(client, context, {
        action: change.action,
        targetType: "studio_user",
        targetId: targetId ?? null,
        before,
        after,
      });
      return response;
    });
  } catch (error) {
    if (error instanceof Refused) return error.response;
    throw error;
  }
}
