import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, type RunningServer, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { readJson } from "./helpers/read-json.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * `POST /v1/send` with an `Idempotency-Key`: exactly one request creates the message and gets 202; every other
 * request with that key and the same body gets 200 with that message, however many arrive at once; the key with a
 * different body is a client bug and gets 422.
 */
const KEY = "send-idempotency-admin-key-0123456789";
let testDb: TestDatabase;
let app: App;
let server: RunningServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: KEY, HOGSEND_DB_POOL_SIZE: "20" }), {
    templates: exampleTemplates,
    databaseUrl: testDb.url,
  });
  server = await startApiServer(app, 0);
});

afterAll(async () => {
  await server?.close();
  await app?.close();
  await testDb?.drop();
});

const body = {
  to: "order@example.com",
  userId: "user-order",
  template: "conversion-winback-offer",
  subject: "Your order",
  props: { discountPercent: 10, firstName: "Ada" },
};

function send(payload: unknown, idempotencyKey?: string) {
  return fetch(`http://127.0.0.1:${server.port}/v1/send`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${KEY}`,
      "Content-Type": "application/json",
      ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
    },
    body: JSON.stringify(payload),
  });
}

async function rowsWithKey(key: string): Promise<number> {
  const result = await testDb.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM messages WHERE idempotency_key = $1",
    [key],
  );
  return result.rows[0]?.n ?? 0;
}

describe("POST /v1/send idempotency", () => {
  it("20 concurrent requests with one key: one 202, nineteen 200, all the same message", async () => {
    for (const round of [1, 2, 3]) {
      const key = `concurrent-${round}`;
      const responses = await Promise.all(Array.from({ length: 20 }, () => send(body, key)));
      const statuses = responses.map((r) => r.status).sort();
      const bodies = await Promise.all(responses.map((r) => readJson(r)));
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(19);
      expect(new Set(bodies.map((b) => b.messageId)).size).toBe(1);
      expect(await rowsWithKey(key)).toBe(1);
    }
  });

  it("a later repeat gets 200 with the first message, whichever way the key is sent", async () => {
    const first = await send(body, "repeat-1");
    expect(first.status).toBe(202);
    const created = await readJson(first);
    const again = await send(body, "repeat-1");
    expect(again.status).toBe(200);
    expect(await readJson(again)).toMatchObject({ messageId: created.messageId });
    const inBody = await send({ ...body, idempotencyKey: "repeat-1" });
    expect(inBody.status).toBe(200);
    expect(await readJson(inBody)).toMatchObject({ messageId: created.messageId });
    // The same request with its JSON keys in another order is the same request.
    const reordered = await send(
      {
        props: { firstName: "Ada", discountPercent: 10 },
        subject: body.subject,
        template: body.template,
        userId: body.userId,
        to: body.to,
      },
      "repeat-1",
    );
    expect(reordered.status).toBe(200);
  });

  it("the same key with a different request is 422 IDEMPOTENCY_KEY_REUSED and queues nothing", async () => {
    expect((await send(body, "reused-1")).status).toBe(202);
    for (const changed of [
      { ...body, subject: "Another subject" },
      { ...body, to: "someone-else@example.com" },
      { ...body, props: { discountPercent: 20, firstName: "Ada" } },
      { ...body, template: "activation/welcome", props: {} },
    ]) {
      const res = await send(changed, "reused-1");
      expect(res.status).toBe(422);
      expect((await readJson(res)).error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    }
    expect(await rowsWithKey("reused-1")).toBe(1);
  });

  it("concurrent requests with one key and different bodies: one 202, the rest 200 or 422 by body", async () => {
    const other = { ...body, subject: "Different" };
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(i % 2 === 0 ? body : other, "mixed-1")),
    );
    const results = await Promise.all(
      responses.map(async (r, i) => ({ i, status: r.status, json: await readJson(r) })),
    );
    const winner = results.filter((r) => r.status === 202);
    expect(winner).toHaveLength(1);
    const winnerIsEven = (winner[0]?.i ?? 0) % 2 === 0;
    for (const r of results) {
      if (r.status === 202) continue;
      expect(r.status).toBe((r.i % 2 === 0) === winnerIsEven ? 200 : 422);
    }
    expect(await rowsWithKey("mixed-1")).toBe(1);
  });

  it("sends without a key are not deduplicated", async () => {
    const a = await send(body);
    const b = await send(body);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect((await readJson(a)).messageId).not.toBe((await readJson(b)).messageId);
  });
});
