import { admin } from "./api";

/**
 * Endpoints from docs/contracts (studio-api and the audit log) that this build of the server's types may not
 * declare yet. They are called through the same admin client (its proxy builds any path at run time); the types
 * here are the contract's. When a server lacks one, the call answers 404 and the page shows its error state.
 */

export interface Overview {
  sent: { last24h: number; last7d: number; last30d: number };
  rates: {
    delivered: number | null;
    bounce: number | null;
    complaint: number | null;
    unsubscribe: number | null;
  };
  bands?: { complaint: { warn: number; critical: number }; bounce: { warn: number; critical: number } };
  sendsPerDay: Array<{ day: string; category: string; count: number }>;
  runs: { active: number; sleeping: number; failed: number };
  contacts: number;
  health: {
    schemaCurrent: boolean;
    workers: Array<{ id: string; lastHeartbeatAt: string; [key: string]: unknown }>;
    routingDeadLetters: number;
    queueLagSeconds: number | null;
  };
}

export interface FunnelStep {
  label: string;
  kind: string;
  reached: number;
  current: number;
}

export interface AuditEntry {
  id: string | number;
  actor:
    | { type: "api_key"; id: string; name: string }
    | { type: "user"; id: string; email: string }
    | { type: "system"; name: string };
  action: string;
  target: { type: string; id: string } | string | null;
  targetType?: string;
  targetId?: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  ip: string | null;
  createdAt: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the contract's endpoints, typed by the functions below.
const loose = admin as any;

type Page<T> = { data: T[]; nextCursor: string | null };

export const contract = {
  overview: (): Promise<Response> => loose.overview.$get(),
  funnel: (journeyId: string): Promise<Response> =>
    loose.journeys[":journeyId"].funnel.$get({ param: { journeyId } }),
  setJourneyEnabled: (journeyId: string, enabled: boolean | null): Promise<Response> =>
    loose.journeys[":journeyId"].enabled.$put({ param: { journeyId }, json: { enabled } }),
  retryRun: (runId: string): Promise<Response> => loose.runs[":runId"].retry.$post({ param: { runId } }),
  setPreferences: (userId: string, body: unknown): Promise<Response> =>
    loose.contacts[":userId"].preferences.$put({ param: { userId }, json: body }),
  resendMessage: (id: string): Promise<Response> => loose.messages[":id"].resend.$post({ param: { id } }),
  testSend: (key: string, body: { to: string; props?: unknown }): Promise<Response> =>
    fetchAdmin(`/templates/${encodeURIComponent(key)}/test-send`, {
      method: "POST",
      body: JSON.stringify(body),
    }),
  previewTemplate: (key: string, body: { props?: unknown; asContact?: string }): Promise<Response> =>
    fetchAdmin(`/templates/${encodeURIComponent(key)}/preview`, {
      method: "POST",
      body: JSON.stringify(body),
    }),
  importSuppressions: (csv: string): Promise<Response> =>
    fetchAdmin("/suppressions/import", {
      method: "POST",
      body: csv,
      headers: { "content-type": "text/csv" },
    }),
  auditLog: (query: Record<string, string>): Promise<Response> => loose["audit-log"].$get({ query }),
};

/** Template keys contain `/`, which the client's path segments would not encode as one parameter. */
function fetchAdmin(path: string, init: RequestInit): Promise<Response> {
  return fetch(`/v1/admin${path}`, {
    credentials: "include",
    ...init,
    headers: { "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) },
  });
}

export type { Page };
