import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp, startWorker } from "../src/app.js";
import { CLI_AUDIT_CONTEXT } from "../src/audit/audit-entry.js";
import { createApiKey } from "../src/auth/api-key-store.js";
import { loadConfig } from "../src/config.js";
import { startEventPruning } from "../src/events/event-retention.js";
import { countUserEvents, insertEvents, pruneEvents } from "../src/events/event-store.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-bootstrap-key-0123456789";
let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;
let ingestKey: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(
    loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY, HOGSEND_MAX_BODY_BYTES: "200000" }),
    { databaseUrl: testDb.url },
  );
  api = buildApi(app);
  ingestKey = (await createApiKey(app.db, { name: "ingest", scope: "ingest" }, CLI_AUDIT_CONTEXT)).key;
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

function ingest(body: unknown, key = ingestKey) {
  return api.request("/v1/ingest", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on, not trusted
const readJson = (res: Response): Promise<any> => res.json();

async function countRows(sql: string, values: unknown[] = []): Promise<number> {
  const result = await testDb.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, values);
  return result.rows[0]!.n;
}

describe("POST /v1/ingest", () => {
  it("stores one event with its routing queue row and keeps unknown fields in extra", async () => {
    const res = await ingest({
      event: "signed_up",
      userId: "u-single",
      userEmail: "single@example.com",
      properties: { plan: "pro", $set: { name: "Sam" } },
      timestamp: "2026-01-02T03:04:05.000Z",
      context: { ip: "10.0.0.1" },
    });
    expect(res.status).toBe(202);
    expect(await readJson(res)).toEqual({ accepted: 1, duplicates: 0 });
    const row = (
      await testDb.db.query(
        `SELECT e.*, q.partition FROM events e LEFT JOIN event_routing_queue q ON q.event_id = e.id
          WHERE user_id = 'u-single'`,
      )
    ).rows[0]!;
    expect(row).toMatchObject({
      event: "signed_up",
      user_email: "single@example.com",
      properties: { plan: "pro", $set: { name: "Sam" } },
      extra: { context: { ip: "10.0.0.1" } },
      source: "api",
    });
    expect(row.occurred_at.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    expect(row.message_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(row.partition).not.toBeNull();
    // A server-assigned id cannot be retried, so it skips the dedupe table.
    expect(await countRows("event_message_ids WHERE message_id = $1", [row.message_id])).toBe(0);
  });

  it("stores a batch once and acknowledges a retry as duplicates", async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      event: "page_viewed",
      userId: `u-batch-${i % 10}`,
      messageId: `batch-${i}`,
      timestamp: Date.UTC(2026, 0, 1) + i,
    }));
    const first = await ingest({ batch });
    expect(first.status).toBe(202);
    expect(await readJson(first)).toEqual({ accepted: 1000, duplicates: 0 });
    const retry = await ingest({ batch });
    expect(await readJson(retry)).toEqual({ accepted: 0, duplicates: 1000 });
    expect(await countRows("events WHERE message_id LIKE 'batch-%'")).toBe(1000);
    expect(
      await countRows(
        "event_routing_queue q JOIN events e ON e.id = q.event_id WHERE e.message_id LIKE 'batch-%'",
      ),
    ).toBe(1000);
  });

  it("keeps the first of two events sharing a messageId inside one batch", async () => {
    const res = await ingest({
      batch: [
        { event: "a", userId: "u-dup", messageId: "same-id" },
        { event: "b", userId: "u-dup", messageId: "same-id" },
      ],
    });
    expect(await readJson(res)).toEqual({ accepted: 1, duplicates: 1 });
    const rows = await testDb.db.query("SELECT event FROM events WHERE message_id = 'same-id'");
    expect(rows.rows).toEqual([{ event: "a" }]);
  });

  it("credits each messageId once when concurrent requests share a group commit", async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await ingest({
          event: "concurrent",
          userId: `u-conc-${i % 7}`,
          messageId: `conc-${i % 20}`,
        });
        return (await readJson(res)) as { accepted: number; duplicates: number };
      }),
    );
    const accepted = results.reduce((sum, r) => sum + r.accepted, 0);
    const duplicates = results.reduce((sum, r) => sum + r.duplicates, 0);
    expect([accepted, duplicates]).toEqual([20, 20]);
    expect(await countRows("events WHERE event = 'concurrent'")).toBe(20);
    expect(
      await countRows(
        "event_routing_queue q JOIN events e ON e.id = q.event_id WHERE e.event = 'concurrent'",
      ),
    ).toBe(20);
  });

  it("rejects a batch with any invalid event whole, naming each index, path and message", async () => {
    // A JS literal `__proto__` would set the prototype and vanish from JSON, so the key is written as text.
    const body = JSON.stringify({
      batch: [
        { event: "ok", userId: "u-invalid" },
        { event: "", userId: "u-invalid" },
        { event: "ok", userId: 42 },
        { event: "ok", userId: "u-invalid", properties: { nested: { PROTO: { admin: true } } } },
        { event: "ok", userId: "u-invalid", timestamp: "yesterday-ish" },
        { event: "ok", userId: "u-invalid", userEmail: "not-an-email" },
        "not an object",
      ],
    }).replace('"PROTO"', '"__proto__"');
    const res = await ingest(body);
    expect(res.status).toBe(400);
    const answer = await readJson(res);
    expect(answer.error.code).toBe("VALIDATION_FAILED");
    const problems = answer.error.details as Array<{ index: number; path: string; message: string }>;
    expect(problems.map((p) => [p.index, p.path])).toEqual([
      [1, "event"],
      [2, "userId"],
      [3, "properties.nested.__proto__"],
      [4, "timestamp"],
      [5, "userEmail"],
      [6, "(event)"],
    ]);
    for (const p of problems) expect(p.message.length).toBeGreaterThan(0);
    expect(await countRows("events WHERE user_id = 'u-invalid'")).toBe(0);
  });

  it("enforces batch size, nesting depth, property size and future timestamps", async () => {
    const tooMany = Array.from({ length: 1001 }, () => ({ event: "x", userId: "u-limits" }));
    expect((await ingest({ batch: tooMany })).status).toBe(400);
    let deep: unknown = "leaf";
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect((await ingest({ event: "x", userId: "u-limits", properties: deep })).status).toBe(400);
    const big = { blob: "x".repeat(40_000) };
    expect((await ingest({ event: "x", userId: "u-limits", properties: big })).status).toBe(400);
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect((await ingest({ event: "x", userId: "u-limits", timestamp: future })).status).toBe(400);
    expect((await ingest({ event: "x".repeat(201), userId: "u-limits" })).status).toBe(400);
    expect((await ingest({ event: "x", userId: "u".repeat(257) })).status).toBe(400);
    expect(await countRows("events WHERE user_id = 'u-limits'")).toBe(0);
  });

  it("needs an ingest or admin key", async () => {
    expect((await ingest({ event: "x", userId: "u-auth" }, "wrong-key-wrong-key-wrong")).status).toBe(401);
    const noKey = await api.request("/v1/ingest", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ event: "x", userId: "u-auth" }),
    });
    expect(noKey.status).toBe(401);
    expect((await ingest({ event: "x", userId: "u-auth" }, ADMIN_KEY)).status).toBe(202);
    expect(await countRows("events WHERE user_id = 'u-auth'")).toBe(1);
  });

  it("answers 413 with the JSON error shape for an oversize body", async () => {
    const res = await ingest({ event: "x", userId: "u-big", properties: { s: "y".repeat(300_000) } });
    expect(res.status).toBe(413);
    expect((await readJson(res)).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await countRows("events WHERE user_id = 'u-big'")).toBe(0);
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After once a key's bucket is empty, per key", async () => {
    const limited = await createApp(
      loadConfig({
        NODE_ENV: "test",
        HOGSEND_API_KEY: ADMIN_KEY,
        HOGSEND_INGEST_RATE_LIMIT: "1",
        HOGSEND_INGEST_RATE_BURST: "5",
      }),
      { databaseUrl: testDb.url },
    );
    try {
      const limitedApi = buildApi(limited);
      const send = (key: string, n: number) =>
        limitedApi.request("/v1/ingest", {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            batch: Array.from({ length: n }, () => ({ event: "x", userId: "u-rate" })),
          }),
        });
      expect((await send(ingestKey, 4)).status).toBe(202);
      const refused = await send(ingestKey, 4);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect((await readJson(refused)).error.code).toBe("RATE_LIMITED");
      expect((await send(ADMIN_KEY, 4)).status).toBe(202);
      expect(await countRows("events WHERE user_id = 'u-rate'")).toBe(8);
    } finally {
      await limited.close();
    }
  });
});

describe("database unreachable", () => {
  it("answers 503 with Retry-After, never 2xx or 500", async () => {
    const dead = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY }), {
      databaseUrl: "postgresql://nobody:nothing@127.0.0.1:1/none",
    });
    try {
      const res = await buildApi(dead).request("/v1/ingest", {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({ event: "x", userId: "u-dead" }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("Retry-After")).toBe("5");
      expect((await readJson(res)).error.code).toBe("DATABASE_UNAVAILABLE");
    } finally {
      await dead.close();
    }
  });
});

describe("GET /v1/admin/events", () => {
  it("pages newest first with a cursor and filters by user and event", async () => {
    await ingest({
      batch: Array.from({ length: 25 }, (_, i) => ({
        event: i % 2 === 0 ? "even" : "odd",
        userId: "u-page",
        messageId: `page-${i}`,
      })),
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/admin/events?userId=u-page&limit=10${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await api.request(query, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
      expect(res.status).toBe(200);
      const body = (await readJson(res)) as { data: Array<{ messageId: string }>; nextCursor: string | null };
      seen.push(...body.data.map((e) => e.messageId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `page-${24 - i}`));

    const odd = await api.request("/v1/admin/events?userId=u-page&event=odd&limit=100", {
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(((await readJson(odd)) as { data: unknown[] }).data).toHaveLength(12);
  });

  it("refuses ingest keys, bad cursors and bad limits", async () => {
    const asIngest = await api.request("/v1/admin/events", {
      headers: { Authorization: `Bearer ${ingestKey}` },
    });
    expect(asIngest.status).toBe(401);
    for (const query of ["cursor=%27%3B--", "limit=0", "limit=abc", "limit=5000", "bogus=1"]) {
      const res = await api.request(`/v1/admin/events?${query}`, {
        headers: { Authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(res.status, query).toBe(400);
    }
  });
});

describe("event store", () => {
  it("uses the (user_id, event, occurred_at) index for history lookups", async () => {
    const client = await testDb.db.pool.connect();
    try {
      await client.query("SET enable_seqscan = off");
      const plan = await client.query(
        `EXPLAIN SELECT count(*)::int AS count FROM events
          WHERE user_id = 'u' AND event = 'e' AND ('2026-01-01'::timestamptz IS NULL OR occurred_at >= '2026-01-01')`,
      );
      expect(JSON.stringify(plan.rows)).toContain("events_user_event_time");
      const timeline = await client.query(
        "EXPLAIN SELECT id FROM events WHERE user_id = 'u' ORDER BY id DESC LIMIT 50",
      );
      expect(JSON.stringify(timeline.rows)).toContain("events_user_timeline");
    } finally {
      client.release();
    }
    expect(await countUserEvents(app.db, { userId: "u-batch-3", event: "page_viewed" })).toBe(100);
    expect(
      await countUserEvents(app.db, {
        userId: "u-batch-3",
        event: "page_viewed",
        since: new Date(Date.UTC(2026, 0, 1) + 500),
      }),
    ).toBe(50);
  });

  it("prunes events older than the cutoff, except those still queued for routing", async () => {
    const old = new Date("2020-01-01T00:00:00Z");
    await insertEvents(app.db, [
      { messageId: "old-1", event: "x", userId: "u-prune", occurredAt: old },
      { messageId: "old-2", event: "x", userId: "u-prune", occurredAt: old },
      { messageId: "new-1", event: "x", userId: "u-prune", occurredAt: new Date() },
    ]);
    await testDb.db.query(
      "DELETE FROM event_routing_queue WHERE event_id IN (SELECT id FROM events WHERE message_id IN ('old-1', 'new-1'))",
    );
    const deleted = await pruneEvents(app.db, { olderThan: new Date("2021-01-01T00:00:00Z"), batchSize: 1 });
    expect(deleted).toBeGreaterThanOrEqual(1);
    const left = await testDb.db.query(
      "SELECT message_id FROM events WHERE user_id = 'u-prune' ORDER BY message_id",
    );
    expect(left.rows.map((r) => r.message_id)).toEqual(["new-1", "old-2"]);
    expect(await countRows("event_message_ids WHERE message_id = 'old-1'")).toBe(0);
  });

  it("runs pruning on an interval from the retention setting", async () => {
    await insertEvents(app.db, [
      { messageId: "ret-old", event: "x", userId: "u-ret", occurredAt: new Date("2026-01-01T00:00:00Z") },
      { messageId: "ret-new", event: "x", userId: "u-ret", occurredAt: new Date("2026-03-01T00:00:00Z") },
    ]);
    await testDb.db.query("DELETE FROM event_routing_queue");
    const pruning = startEventPruning({
      db: app.db,
      clock: { now: () => new Date("2026-03-10T00:00:00Z") },
      logger: app.logger,
      retentionDays: 30,
      intervalMs: 20,
    });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await countRows("events WHERE message_id = 'ret-old'")) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await pruning.stop();
    expect(await countRows("events WHERE user_id = 'u-ret'")).toBe(1);
    expect(await countRows("events WHERE message_id = 'ret-new'")).toBe(1);
  });

  it("a worker started with HOGSEND_EVENT_RETENTION_DAYS prunes on its own", async () => {
    await insertEvents(app.db, [
      {
        messageId: "w-old",
        event: "x",
        userId: "u-wret",
        occurredAt: new Date(Date.now() - 40 * 86_400_000),
      },
      { messageId: "w-new", event: "x", userId: "u-wret", occurredAt: new Date() },
    ]);
    await testDb.db.query("DELETE FROM event_routing_queue");
    const workerApp = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_EVENT_RETENTION_DAYS: "30" }), {
      databaseUrl: testDb.url,
    });
    const worker = await startWorker(workerApp);
    try {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await countRows("events WHERE message_id = 'w-old'")) > 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await countRows("events WHERE message_id = 'w-old'")).toBe(0);
      expect(await countRows("events WHERE message_id = 'w-new'")).toBe(1);
    } finally {
      await worker.stop(1_000);
      await workerApp.close();
    }
  });
});
