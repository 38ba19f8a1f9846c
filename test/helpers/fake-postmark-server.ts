import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface PostmarkSend {
  From: string;
  To: string;
  Subject: string;
  HtmlBody?: string;
  TextBody?: string;
  MessageStream?: string;
  Headers?: Array<{ Name: string; Value: string }>;
}

export type PostmarkFailure = { status: 500 | 503 } | { status: 429 } | { status: 401 } | { status: 422 };

/**
 * A local server speaking Postmark's `POST /email` as the official `ServerClient` calls it: token in
 * `X-Postmark-Server-Token`, Postmark's error shape `{ ErrorCode, Message }` (10 bad token, 300 invalid address).
 */
export class FakePostmarkServer {
  readonly serverToken = "pm-test-token";
  readonly received: PostmarkSend[] = [];
  #script: PostmarkFailure[] = [];
  #server = http.createServer((req, res) => void this.#handle(req, res));
  #port = 0;

  get host(): string {
    return `127.0.0.1:${this.#port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  failNext(...failures: PostmarkFailure[]): void {
    this.#script.push(...failures);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/email")
      return reply(404, { ErrorCode: 404, Message: "Not found" });
    if (req.headers["x-postmark-server-token"] !== this.serverToken) {
      return reply(401, {
        ErrorCode: 10,
        Message: "No Account or Server API tokens were supplied in the HTTP headers.",
      });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as PostmarkSend;
    const scripted = this.#script.shift();
    if (scripted) {
      if (scripted.status === 401)
        return reply(401, { ErrorCode: 10, Message: "Bad or missing Server API token." });
      if (scripted.status === 422) return reply(422, { ErrorCode: 300, Message: "Invalid 'To' address" });
      if (scripted.status === 429) return reply(429, { ErrorCode: 429, Message: "Rate limit exceeded" });
      return reply(scripted.status, { ErrorCode: 0, Message: "Internal server error" });
    }
    if (body.To.includes("invalid")) return reply(422, { ErrorCode: 300, Message: "Invalid 'To' address" });
    this.received.push(body);
    return reply(200, {
      To: body.To,
      SubmittedAt: new Date().toISOString(),
      MessageID: randomUUID(),
      ErrorCode: 0,
      Message: "OK",
    });
  }
}
