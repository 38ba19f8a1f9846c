import { createHash } from "node:crypto";

/** The parts of a transactional send that make it the same request; the idempotency key itself is not one. */
export interface SendRequestParts {
  to: string;
  userId?: string | null | undefined;
  template: string;
  subject: string;
  journeyName?: string | undefined;
  props?: Record<string, unknown> | undefined;
  from?: string | undefined;
}

/**
 * SHA-256 (hex) of the request in a canonical form: absent and null are the same, object keys are sorted at every
 * depth (a retry from another JSON serialiser is still a retry), arrays keep their order.
 */
export function sendRequestFingerprint(request: SendRequestParts): string {
  const canonical = canonicalJson({
    to: request.to,
    userId: request.userId ?? null,
    template: request.template,
    subject: request.subject,
    journeyName: request.journeyName ?? null,
    props: request.props ?? {},
    from: request.from ?? null,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
