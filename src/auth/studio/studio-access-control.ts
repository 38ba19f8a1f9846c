import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements } from "better-auth/plugins/admin/access";

const ac = createAccessControl(defaultStatements);

/**
 * What each Studio role may do through Better Auth's admin plugin. An admin manages users (create, list, re-role,
 * ban, set a password, remove) and their sessions; impersonation is left out, so every action in the audit log is
 * the person who did it. A viewer manages nothing (the admin API's middleware also keeps viewers read-only).
 */
export const studioAccessControl = {
  ac,
  roles: {
    admin: ac.newRole({
      user: ["create", "list", "set-role", "ban", "delete", "set-password", "get", "update"],
      session: ["list", "revoke", "delete"],
    }),
    viewer: ac.newRole({ user: [], session: [] }),
  },
};
