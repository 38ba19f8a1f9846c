import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "svix";

/** A request a receiver got: its parsed JSON body and headers. */
export interface Received {
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

/**
 * A local HTTP receiver for alert channels. As Slack's incoming webhooks do, it answers `200 ok` (text/plain) to a
 * JSON body with `text`, and `400 invalid_payload` to one without; `failNext(status, n)` scripts outages. With a
 * `secret` it is a Standard Webhooks receiver instead: it verifies every delivery with svix's own Webhook.verify
 * and answers 401 to one that does not verify.
 */
export class FakeAlertReceiver {
  readonly received: Received[] = [];
  /** Deliveries that failed verification (webhook mode) or had no text (Slack mode). */
  rejected = 0;
  #script: number[] = [];
  #server: http.Server;
  #port = 0;
  #webhook: Webhook | undefined;

  constructor(options: { secret?: string } = {}) {
    this.#webhook = options.secret ? new Webhook(options.secret) : undefined;
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => this.#handle(req, Buffer.concat(chunks).toString("utf8"), res));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
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

  /** The next `times` requests get `status` (and are not recorded). */
  failNext(status: number, times = 1): void {
    for (let i = 0; i < times; i++) this.#script.push(status);
  }

  #handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const scripted = this.#script.shift();
    if (scripted !== undefined) {
      res.writeHead(scripted, { "content-type": "text/plain" }).end("scripted failure");
      return;
    }
    if (this.#webhook) {
      try {
        const body = this.#webhook.verify(raw, {
          "webhook-id": String(req.headers["webhook-id"] ?? ""),
          "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
          "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
        }) as Record<string, unknown>;
        this.received.push({ body, headers: req.headers });
        res.writeHead(204).end();
      } catch {
        this.rejected++;
        res.writeHead(401).end("invalid signature");
      }
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw);
    } catch {
      body = {};
    }
    if (typeof body.text !== "string") {
      this.rejected++;
      res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
      return;
    }
    this.received.push({ body, headers: req.headers });
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  }
}
