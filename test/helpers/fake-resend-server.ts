import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ResendSend {
  idempotencyKey: string | undefined;
  body: {
    from: string;
    to: string | string[];
    subject: string;
    html?: string;
    text?: string;
    headers?: Record<string, string>;
  };
}

export type ScriptedFailure =
  | { status: 500 | 502 | 503 }
  | { status: 429; retryAfterSeconds: number }
  | { status: 401 }
  | { status: 422 };

/**
 * A local server speaking Resend's `POST /emails` as the official SDK calls it, for contract tests and the
 * benchmark. It implements Resend's idempotency (same key + same body -> the first response, no second email;
 * same key + other body -> 409 invalid_idempotent_request) and counts by key and by content so a test can prove
 * exactly-once. Addresses containing "invalid" get 422; `failNext` scripts transient or permanent errors.
 */
export class FakeResendServer {
  readonly apiKey = "re_test_0123456789";
  /** Every request that reached the handler, in order (including rejected ones). */
  readonly requests: ResendSend[] = [];
  /** Accepted emails, one per idempotency key (or per request without a key). */
  readonly accepted: ResendSend[] = [];
  /** How many accepted emails had each content (to + subject + html): a duplicate here is a double send. */
  readonly contentCounts = new Map<string, number>();
  latencyMs = 0;
  #byKey = new Map<string, { id: string; hash: string }>();
  #script: ScriptedFailure[] = [];
  #server: http.Server;
  #port = 0;

  constructor(options: { latencyMs?: number } = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 30_000;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(port, "127.0.0.1", resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  failNext(...failures: ScriptedFailure[]): void {
    this.#script.push(...failures);
  }

  /** Keys that reached the server more than once (retries; harmless thanks to idempotency). */
  retriedKeys(): number {
    const seen = new Map<string, number>();
    for (const r of this.requests)
      if (r.idempotencyKey) seen.set(r.idempotencyKey, (seen.get(r.idempotencyKey) ?? 0) + 1);
    return [...seen.values()].filter((n) => n > 1).length;
  }

  duplicateContents(): number {
    return [...this.contentCounts.values()].filter((n) => n > 1).length;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/emails") {
      return reply(404, { statusCode: 404, name: "not_found", message: "not found" });
    }
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = JSON.parse(raw) as ResendSend["body"];
    const idempotencyKey = header(req, "idempotency-key");
    const send: ResendSend = { idempotencyKey, body };
    this.requests.push(send);
    if (header(req, "authorization") !== `Bearer ${this.apiKey}`) {
      return reply(401, { statusCode: 401, name: "restricted_api_key", message: "API key is invalid" });
    }
    const scripted = this.#script.shift();
    if (scripted) {
      if (scripted.status === 429) {
        return reply(
          429,
          { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" },
          { "retry-after": String(scripted.retryAfterSeconds) },
        );
      }
      if (scripted.status === 401) {
        return reply(401, { statusCode: 401, name: "restricted_api_key", message: "API key is invalid" });
      }
      if (scripted.status === 422) {
        return reply(422, { statusCode: 422, name: "validation_error", message: "Invalid `to` field" });
      }
      return reply(scripted.status, {
        statusCode: scripted.status,
        name: "internal_server_error",
        message: "boom",
      });
    }
    const recipients = Array.isArray(body.to) ? body.to : [body.to];
    if (recipients.some((to) => to.includes("invalid"))) {
      return reply(422, { statusCode: 422, name: "validation_error", message: "Invalid `to` field" });
    }
    const hash = createHash("sha256").update(raw).digest("hex");
    if (idempotencyKey) {
      const previous = this.#byKey.get(idempotencyKey);
      if (previous) {
        if (previous.hash !== hash) {
          return reply(409, {
            statusCode: 409,
            name: "invalid_idempotent_request",
            message: "Same idempotency key used with a different request payload",
          });
        }
        return reply(200, { id: previous.id });
      }
    }
    const id = randomUUID();
    if (idempotencyKey) this.#byKey.set(idempotencyKey, { id, hash });
    this.accepted.push(send);
    const content = `${recipients.join(",")}|${body.subject}|${body.html ?? ""}`;
    this.contentCounts.set(content, (this.contentCounts.get(content) ?? 0) + 1);
    return reply(200, { id });
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
