import type { Context } from "hono";
import type { AuditActor, AuditContext } from "../audit/audit-entry.js";
import type { Principal } from "../auth/principal.js";
import type { ApiEnv } from "./api-env.js";

/** The audit context of an authenticated admin request: who (the principal), the request id and client address. */
export function auditContextOf(c: Context<ApiEnv>): AuditContext {
  return { actor: actorOf(c.get("principal")), requestId: c.get("requestId"), ip: c.get("clientIp") };
}

function actorOf(principal: Principal): AuditActor {
  if (principal.kind === "user") return { type: "user", id: principal.userId, email: principal.email };
  return { type: "api_key", id: principal.keyId, name: principal.name };
}
