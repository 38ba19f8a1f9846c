/** Who made a change: an API key, a Studio user, or Hogsend itself (the CLI, a rule such as the reputation guard). */
export type AuditActor =
  | { type: "api_key"; id: string; name: string }
  | { type: "user"; id: string; email: string }
  | { type: "system"; name: string };

/** Where a change came from: the actor and, for a request, its id and client address. */
export interface AuditContext {
  actor: AuditActor;
  requestId?: string | undefined;
  ip?: string | undefined;
}

/** What changed. Actions are `noun.past_tense` (`api_key.created`, `run.cancelled`); targets a type and an id. */
export interface AuditChange {
  action: string;
  targetType: string;
  targetId: string | null;
  /** The changed record before and after (objects; omitted when there was none). */
  before?: Record<string, unknown> | null | undefined;
  after?: Record<string, unknown> | null | undefined;
}

export interface AuditEntry extends Omit<AuditChange, "before" | "after"> {
  id: number;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  occurredAt: Date;
  actor: AuditActor;
  requestId: string | null;
  ip: string | null;
  /** When the contact this entry is about was erased and its before/after were dropped. */
  redactedAt: Date | null;
}

/** The actor of changes made from the command line (`hogsend keys create`, `hogsend contacts import`…). */
export const CLI_AUDIT_CONTEXT: AuditContext = { actor: { type: "system", name: "cli" } };
