import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, type RunningServer, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { RawHttpConnection, type RawResponse, requestHead } from "./helpers/raw-http.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * A response written before the request body was read (401, 404, 413, 415, a bad unsubscribe link) must not leave
 * a kept-alive connection that the server then drops: the next request on it would be lost. Either the server
 * reads the rest and keeps the connection, or it says `Connection: close` and the client opens a new one.
 */
const KEY = "keepalive-test-admin-key-0123456789";
let testDb: TestDatabase;
let app: App;
let server: RunningServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: KEY }), { databaseUrl: testDb.url });
  server = await startApiServer(app, 0);
});

afterAll(async () => {
  await server?.close();
  await app?.close();
  await testDb?.drop();
});

const EARLY_ANSWERS = [
  {
    name: "401 without a key",
    path: "/v1/ingest",
    headers: { "Content-Type": "application/json" },
    status: 401,
  },
  {
    name: "404 for no route",
    path: "/v1/nowhere",
    headers: { "Content-Type": "application/json" },
    status: 404,
  },
  {
    name: "413 over the limit",
    path: "/v1/ingest",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${KEY}` },
    status: 413,
    size: 2_000_000,
  },
  {
    name: "415 for a wrong type",
    path: "/v1/ingest",
    headers: { "Content-Type": "text/plain", Authorization: `Bearer ${KEY}` },
    status: 415,
  },
  {
    name: "400 for a bad unsubscribe token",
    path: "/u/not-a-token",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    status: 400,
  },
] as const;

function ingestRequest(messageId: string): string {
  const body = JSON.stringify({ event: "keepalive.checked", userId: "u-keepalive", messageId });
  return (
    requestHead("POST", "/v1/ingest", {
      Authorization: `Bearer ${KEY}`,
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(body),
    }) + body
  );
}

async function storedMessageIds(): Promise<string[]> {
  const result = await testDb.db.query<{ message_id: string }>(
    "SELECT message_id FROM events WHERE event = 'keepalive.checked' ORDER BY message_id",
  );
  return result.rows.map((row) => row.message_id);
}

describe("early answers on kept-alive connections", () => {
  it.each(EARLY_ANSWERS.map((c) => [c.name, c] as const))(
    "%s: the next request is answered or the connection was announced closed",
    async (_name, scenario) => {
      const size = "size" in scenario ? scenario.size : 300_000;
      const messageId = `after-${scenario.status}-${scenario.path}`;
      const connection = await RawHttpConnection.open(server.port);
      try {
        await connection.write(
          requestHead("POST", scenario.path, { ...scenario.headers, "Content-Length": size }),
        );
        await connection.write(Buffer.alloc(size, "a"));
        const first = await connection.readResponse();
        expect(first?.status).toBe(scenario.status);
        // A client sends its next request as soon as the first is answered: that is what used to be lost.
        let second: RawResponse | undefined;
        if (first?.headers.connection?.toLowerCase() === "close") {
          expect(await connection.waitForClose(5_000)).toBe(true);
          const fresh = await RawHttpConnection.open(server.port);
          await fresh.write(ingestRequest(messageId));
          second = await fresh.readResponse();
          fresh.destroy();
        } else {
          await connection.write(ingestRequest(messageId));
          second = await connection.readResponse();
        }
        expect(second?.status, "the request after the early answer was lost").toBe(202);
      } finally {
        connection.destroy();
      }
      expect(await storedMessageIds()).toContain(messageId);
    },
  );

  it("a keep-alive agent interleaving early answers and ingests loses no ingest", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (path: string, headers: Record<string, string>, body: Buffer | string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const request = http.request(
          { host: "127.0.0.1", port: server.port, path, method: "POST", agent, headers },
          (response) => {
            response.resume();
            response.on("end", () =>
              resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
            );
          },
        );
        request.on("error", reject);
        request.end(body);
      });
    const sent: string[] = [];
    try {
      for (let round = 0; round < 6; round++) {
        const scenario = EARLY_ANSWERS[round % EARLY_ANSWERS.length]!;
        const size = "size" in scenario ? scenario.size : 400_000;
        const early = await send(scenario.path, { ...scenario.headers }, Buffer.alloc(size, "b"));
        expect(early.status).toBe(scenario.status);
        const messageId = `agent-${round}`;
        sent.push(messageId);
        const ingest = await send(
          "/v1/ingest",
          { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
          JSON.stringify({ event: "keepalive.checked", userId: "u-keepalive", messageId }),
        );
        expect(ingest.status).toBe(202);
      }
    } finally {
      agent.destroy();
    }
    const stored = await storedMessageIds();
    for (const id of sent) expect(stored).toContain(id);
  });

  it("keeps the connection open when the body was read", async () => {
    const connection = await RawHttpConnection.open(server.port);
    try {
      for (const id of ["kept-1", "kept-2", "kept-3"]) {
        await connection.write(ingestRequest(id));
        const response = await connection.readResponse();
        expect(response?.status).toBe(202);
        expect(response?.headers.connection).toBe("keep-alive");
      }
    } finally {
      connection.destroy();
    }
  });
});
