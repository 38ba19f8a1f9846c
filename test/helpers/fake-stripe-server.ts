import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local server speaking the part of Stripe's API the Stripe source calls through the official SDK:
 * `GET /v1/customers/:id` with `Authorization: Bearer <secret key>`, answering Stripe's object shapes and its
 * error envelope (`{ error: { type, code, message } }`) for an unknown customer or a wrong key.
 */
export class FakeStripeServer {
  readonly secretKey = "sk_test_fake0123456789";
  readonly customers = new Map<string, { email?: string | null; metadata?: Record<string, string> }>();
  readonly requests: Array<{ method: string; path: string }> = [];
  #server = http.createServer((req, res) => this.#handle(req, res));
  #port = 0;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
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

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? "").split("?")[0] ?? "";
    this.requests.push({ method: req.method ?? "", path });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "request-id": `req_${Date.now()}` });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
      send(401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
      return;
    }
    const match = /^\/v1\/customers\/([A-Za-z0-9_]+)$/.exec(path);
    if (req.method === "GET" && match?.[1]) {
      const customer = this.customers.get(match[1]);
      if (!customer) {
        send(404, {
          error: {
            type: "invalid_request_error",
            code: "resource_missing",
            message: `No such customer: '${match[1]}'`,
            param: "id",
          },
        });
        return;
      }
      send(200, {
        id: match[1],
        object: "customer",
        email: customer.email ?? null,
        metadata: customer.metadata ?? {},
        created: Math.floor(Date.now() / 1000),
        livemode: false,
      });
      return;
    }
    send(404, {
      error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${path})` },
    });
  }
}
