import { randomBytes } from "node:crypto";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp, type RunningServer, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { RawHttpConnection, requestHead } from "./helpers/raw-http.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * Slow and stalled clients: a refused request is refused before its body is read, and a client that stops
 * sending (in its headers, in its body, or between requests) is disconnected after the configured timeout.
 */
const KEY = "slow-clients-test-admin-key-0123456789";
const RESEND_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const TIMEOUTS = { headers: 800, request: 1_500, keepAlive: 700 };
const BIG = 1_000_000;

let testDb: TestDatabase;
let app: App;
let server: RunningServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(
    loadConfig({
      NODE_ENV: "test",
      HOGSEND_API_KEY: KEY,
      RESEND_WEBHOOK_SECRET: RESEND_SECRET,
      POSTMARK_WEBHOOK_SECRET: "postmark-header-secret-5678",
      // Sources with their secrets configured, as in production (without one a source is open in development).
      SEGMENT_WRITE_KEY: "segment-write-key-slow-clients",
      POSTHOG_WEBHOOK_SECRET: "posthog-shared-secret-slow-clients",
      STRIPE_WEBHOOK_SECRET: "whsec_c2xvdy1jbGllbnRzLXN0cmlwZS1zZWNyZXQ=",
      HOGSEND_HTTP_HEADERS_TIMEOUT_MS: String(TIMEOUTS.headers),
      HOGSEND_HTTP_REQUEST_TIMEOUT_MS: String(TIMEOUTS.request),
      HOGSEND_HTTP_KEEP_ALIVE_TIMEOUT_MS: String(TIMEOUTS.keepAlive),
    }),
    { databaseUrl: testDb.url },
  );
  server = await startApiServer(app, 0);
});

afterAll(async () => {
  await server?.close();
  await app?.close();
  await testDb?.drop();
});

/** Sends the head and a sliver of a large body, then waits: a route that reads the body first cannot answer. */
async function answerWithoutBody(path: string, headers: Record<string, string | number>) {
  const connection = await RawHttpConnection.open(server.port);
  try {
    await connection.write(requestHead("POST", path, { "Content-Length": BIG, ...headers }));
    await connection.write(Buffer.alloc(1_000, "a"));
    // A route that waits for the body gets no answer out before the request timeout.
    return await connection.readResponse(TIMEOUTS.request - 500).catch(() => undefined);
  } finally {
    connection.destroy();
  }
}

function svixHeaders(body: string, at = new Date(), secret = RESEND_SECRET) {
  const id = `msg_${randomBytes(8).toString("hex")}`;
  return {
    "svix-id": id,
    "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
    "svix-signature": new Webhook(secret).sign(id, at, body),
  };
}

describe("refused before the body is read", () => {
  const json = { "Content-Type": "application/json" };

  it("resend webhook without svix headers: 401 while the client is still sending", async () => {
    const response = await answerWithoutBody("/v1/webhooks/resend", json);
    expect(response?.status).toBe(401);
  });

  it("resend webhook with a stale or future timestamp, or a partial header set: 401 before the body", async () => {
    const stale = svixHeaders("{}", new Date(Date.now() - 3_600_000));
    expect((await answerWithoutBody("/v1/webhooks/resend", { ...json, ...stale }))?.status).toBe(401);
    const future = svixHeaders("{}", new Date(Date.now() + 3_600_000));
    expect((await answerWithoutBody("/v1/webhooks/resend", { ...json, ...future }))?.status).toBe(401);
    const { "svix-signature": _signature, ...unsigned } = svixHeaders("{}");
    expect((await answerWithoutBody("/v1/webhooks/resend", { ...json, ...unsigned }))?.status).toBe(401);
    const garbled = { ...svixHeaders("{}"), "svix-timestamp": "soon" };
    expect((await answerWithoutBody("/v1/webhooks/resend", { ...json, ...garbled }))?.status).toBe(401);
  });

  it("a correctly signed resend webhook is still processed", async () => {
    const body = JSON.stringify({ type: "email.delivered", data: { email_id: "x", to: ["a@example.com"] } });
    const res = await fetch(`http://127.0.0.1:${server.port}/v1/webhooks/resend`, {
      method: "POST",
      headers: { ...json, ...svixHeaders(body) },
      body,
    });
    expect(res.status).toBe(200);
  });

  it("postmark webhook without credentials: 401 while the client is still sending", async () => {
    expect((await answerWithoutBody("/v1/webhooks/postmark", json))?.status).toBe(401);
    const wrong = { ...json, "X-Hogsend-Webhook-Secret": "nope" };
    expect((await answerWithoutBody("/v1/webhooks/postmark", wrong))?.status).toBe(401);
  });

  it("posthog and stripe sources without their signature headers: 401 while the client is still sending", async () => {
    expect((await answerWithoutBody("/v1/sources/posthog", json))?.status).toBe(401);
    const wrong = { ...json, "x-posthog-webhook-secret": "posthog-shared-secret-slow-client" };
    expect((await answerWithoutBody("/v1/sources/posthog", wrong))?.status).toBe(401);
    expect((await answerWithoutBody("/v1/sources/stripe", json))?.status).toBe(401);
    const malformed = { ...json, "stripe-signature": "v1=abc" };
    expect((await answerWithoutBody("/v1/sources/stripe", malformed))?.status).toBe(401);
    const stored = await app.db.query("SELECT 1 FROM source_receipts");
    expect(stored.rowCount).toBe(0);
  });

  it("every route that takes a body refuses an unauthenticated request before reading it", async () => {
    const routes = buildApi(app)
      .routes.filter((route) => route.method !== "GET" && route.method !== "ALL")
      .map((route) => ({ method: route.method, path: route.path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, "x") }));
    const unique = [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()];
    expect(unique.length).toBeGreaterThan(8);
    for (const route of unique) {
      const connection = await RawHttpConnection.open(server.port);
      try {
        await connection.write(requestHead(route.method, route.path, { ...json, "Content-Length": BIG }));
        await connection.write(Buffer.alloc(1_000, "a"));
        const response = await connection.readResponse(TIMEOUTS.request - 500).catch(() => undefined);
        // 404: a source that does not exist, known from the path alone. Studio's sign-in is unauthenticated by
        // nature; its small body cap refuses this one (413) before reading it.
        const refusals = route.path.startsWith("/v1/auth/") ? [400, 401, 413] : [400, 401, 404];
        expect(refusals, `${route.method} ${route.path}`).toContain(response?.status);
      } finally {
        connection.destroy();
      }
    }
  });
});

describe("stalled clients are disconnected", () => {
  it("a client that stalls in its headers is closed after the headers timeout", async () => {
    const connection = await RawHttpConnection.open(server.port);
    const started = Date.now();
    await connection.write("POST /v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl");
    expect(await connection.waitForClose(TIMEOUTS.headers + 2_500)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUTS.headers - 50);
    connection.destroy();
  });

  it("a client that stalls in an authenticated body is closed after the request timeout", async () => {
    const connection = await RawHttpConnection.open(server.port);
    const started = Date.now();
    await connection.write(
      requestHead("POST", "/v1/ingest", {
        Authorization: `Bearer ${KEY}`,
        "Content-Type": "application/json",
        "Content-Length": 500_000,
      }),
    );
    await connection.write(`{"batch":[${'{"event":"a.b","userId":"u"},'.repeat(1_000)}`);
    expect(await connection.waitForClose(TIMEOUTS.request + 2_500)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUTS.request - 50);
    connection.destroy();
  });

  it("a signed-looking resend webhook that stalls in its body is closed after the request timeout", async () => {
    const connection = await RawHttpConnection.open(server.port);
    const started = Date.now();
    await connection.write(
      requestHead("POST", "/v1/webhooks/resend", {
        "Content-Type": "application/json",
        "Content-Length": BIG,
        ...svixHeaders("whatever"),
      }),
    );
    await connection.write(Buffer.alloc(200_000, "a"));
    expect(await connection.waitForClose(TIMEOUTS.request + 2_500)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUTS.request - 50);
    connection.destroy();
  });

  it("an idle kept-alive connection is closed after the keep-alive timeout", async () => {
    const connection = await RawHttpConnection.open(server.port);
    await connection.write(requestHead("GET", "/v1/health", {}));
    expect((await connection.readResponse())?.status).toBe(200);
    const answered = Date.now();
    // Node closes one second after the timeout it advertises in `Keep-Alive`, so a client never races it.
    expect(await connection.waitForClose(TIMEOUTS.keepAlive + 2_500)).toBe(true);
    expect(Date.now() - answered).toBeGreaterThanOrEqual(TIMEOUTS.keepAlive - 50);
    connection.destroy();
  });
});

describe("HTTP timeout configuration", () => {
  it("defaults to 10 s headers, 30 s request and 5 s keep-alive", () => {
    const config = loadConfig({ NODE_ENV: "test" });
    expect(config.http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
    });
  });

  it("refuses a headers timeout longer than the request timeout", () => {
    expect(() =>
      loadConfig({
        NODE_ENV: "test",
        HOGSEND_HTTP_HEADERS_TIMEOUT_MS: "40000",
        HOGSEND_HTTP_REQUEST_TIMEOUT_MS: "30000",
      }),
    ).toThrow(/HOGSEND_HTTP_HEADERS_TIMEOUT_MS/);
  });
});
