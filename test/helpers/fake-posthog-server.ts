import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export interface CapturedEvent {
  uuid: string;
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
  timestamp?: string;
}

/**
 * A local server speaking PostHog's capture endpoints as posthog-node calls them: `POST /batch/` with
 * `{ api_key, batch: [...] }`, gzip-compressed (`Content-Encoding: gzip`) or plain, and the single-event `/i/v0/e/`
 * and `/capture/`. It records every event received (duplicates included) so a test can count by uuid; `latencyMs`
 * delays each answer; `failNext` answers the next requests with a status.
 *
 * It also speaks the private persons API the person lookup calls: `GET /api/projects/{projectId}/persons/
 * ?distinct_id=…` with `Authorization: Bearer {personalApiKey}`, answering `{ results: [{ distinct_ids,
 * properties }] }` from `persons` (empty `results` for an unknown id). `personLookups` records each distinct id
 * asked for; `personsStatus` answers every persons request with that status instead; `personsLatencyMs` delays them.
 */
export class FakePostHogServer {
  readonly apiKey = "phc_test_0123456789";
  readonly received: CapturedEvent[] = [];
  readonly requests: Array<{ path: string; gzip: boolean; events: number; status: number }> = [];
  latencyMs: number;
  readonly personalApiKey = "phx_test_personal_0123456789";
  readonly projectId = "4242";
  readonly persons = new Map<string, Record<string, unknown>>();
  readonly personLookups: string[] = [];
  personsStatus: number | undefined;
  personsLatencyMs = 0;
  #fail: number[] = [];
  #server = http.createServer((req, res) => void this.#handle(req, res));
  #port = 0;

  constructor(options: { latencyMs?: number; port?: number } = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.#port = options.port ?? 0;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  failNext(...statuses: number[]): void {
    this.#fail.push(...statuses);
  }

  /** How many distinct uuids arrived, and how many arrivals repeated one already seen. */
  tally(): { unique: number; duplicates: number } {
    const unique = new Set(this.received.map((e) => e.uuid)).size;
    return { unique, duplicates: this.received.length - unique };
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(this.#port, "127.0.0.1", resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname.startsWith("/api/")) return this.#persons(req, res, url);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const gzip = req.headers["content-encoding"] === "gzip";
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const answer = (status: number, body: unknown, events = 0) => {
      this.requests.push({ path, gzip, events, status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const failure = this.#fail.shift();
    if (failure !== undefined) return answer(failure, { type: "server_error", detail: "scripted" });
    let body: { api_key?: string; batch?: CapturedEvent[] } & Partial<CapturedEvent>;
    try {
      body = JSON.parse((gzip ? gunzipSync(raw) : raw).toString("utf8"));
    } catch {
      return answer(400, { type: "validation_error", detail: "Malformed request data" });
    }
    if (body.api_key !== this.apiKey)
      return answer(401, { type: "authentication_error", detail: "Invalid API key" });
    if (path === "/batch/" || path === "/batch") {
      const batch = Array.isArray(body.batch) ? body.batch : [];
      this.received.push(...batch);
      return answer(200, { status: "Ok" }, batch.length);
    }
    if (path === "/i/v0/e/" || path === "/capture/" || path === "/e/") {
      this.received.push(body as CapturedEvent);
      return answer(200, { status: "Ok" }, 1);
    }
    return answer(404, { type: "not_found" });
  }

  async #persons(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== `/api/projects/${this.projectId}/persons/`)
      return answer(404, { type: "not_found" });
    if (req.headers.authorization !== `Bearer ${this.personalApiKey}`) {
      return answer(401, { type: "authentication_error", detail: "Invalid personal API key" });
    }
    const distinctId = url.searchParams.get("distinct_id") ?? "";
    this.personLookups.push(distinctId);
    if (this.personsLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.personsLatencyMs));
    if (this.personsStatus !== undefined) return answer(this.personsStatus, { type: "scripted" });
    const properties = this.persons.get(distinctId);
    const results = properties
      ? [{ id: 1, uuid: "0190a6d2-0000-7000-8000-000000000001", distinct_ids: [distinctId], properties }]
      : [];
    return answer(200, { next: null, previous: null, results });
  }
}
