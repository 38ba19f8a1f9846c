import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTableSnapshot, diffSnapshots } from "./helpers/table-snapshot.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * Hostile input at every ingest/events/contacts endpoint and at /v1/health and unknown routes: every answer is
 * a 4xx with the JSON error shape, nothing is written, and the server keeps serving.
 */
const ADMIN_KEY = "test-admin-bootstrap-key-0123456789";
let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY }), {
    templates: exampleTemplates,
    databaseUrl: testDb.url,
  });
  api = buildApi(app);
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

const deepArray = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
let deepObject = '"leaf"';
for (let i = 0; i < 64; i++) deepObject = `{"k":${deepObject}}`;
const invalidUtf8 = Buffer.concat([
  Buffer.from('{"event":"x","userId":"'),
  Buffer.from([0xff, 0xfe]),
  Buffer.from('"}'),
]);

const JSON_BODIES: Array<[string, string | Uint8Array]> = [
  ["malformed", '{"event": "x", "userId": '],
  ["trailing garbage", '{"event":"x","userId":"u"} junk'],
  ["null", "null"],
  ["array", "[]"],
  ["number", "42"],
  ["string", '"event"'],
  ["wrong types", '{"event":1,"userId":["u"],"properties":"x","subscribed":"yes","email":5}'],
  [
    "huge string",
    JSON.stringify({ event: "x".repeat(50_000), userId: "u".repeat(50_000), email: "e".repeat(50_000) }),
  ],
  ["deep array", deepArray],
  ["deep properties", `{"event":"x","userId":"u","properties":${deepObject}}`],
  ["invalid utf-8", invalidUtf8],
  ["proto top level", '{"event":"x","userId":"u","__proto__":{"polluted":true}}'],
  [
    "proto in properties",
    '{"event":"x","userId":"u","properties":{"constructor":{"prototype":{"polluted":true}}}}',
  ],
  ["sql in timestamp", '{"event":"x","userId":"u","timestamp":"2020-01-01\'); DROP TABLE events; --"}'],
  ["batch of junk", '{"batch":[null, 1, "x", [], {"event":"x"}]}'],
  ["batch not array", '{"batch":{"0":{"event":"x","userId":"u"}}}'],
  ["NUL in a name", '{"event":"a\\u0000b","userId":"u","email":"a\\u0000@b.c"}'],
  ["NUL in properties", '{"event":"x","userId":"u","properties":{"k":"v\\u0000"}}'],
  ["NUL in a key", '{"event":"x","userId":"u","properties":{"k\\u0000":"v"}}'],
  ["NUL in contact properties", '{"properties":{"k":"v\\u0000"}}'],
  ["NUL in contact email", '{"email":"a\\u0000@b.c"}'],
  ["lone surrogate", '{"event":"x","userId":"\\ud800","properties":{"k":"\\udc00"}}'],
];

const authed = (contentType = "application/json") => ({
  Authorization: `Bearer ${ADMIN_KEY}`,
  "Content-Type": contentType,
});

async function tableCounts(): Promise<string> {
  const result = await testDb.db.query(
    `SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM event_message_ids) AS ids,
            (SELECT count(*) FROM event_routing_queue) AS queue, (SELECT count(*) FROM contacts) AS contacts,
            (SELECT count(*) FROM contact_tombstones) AS tombstones`,
  );
  return JSON.stringify(result.rows[0]);
}

async function expectClientError(res: Response, label: string) {
  expect(res.status, label).toBeGreaterThanOrEqual(400);
  expect(res.status, label).toBeLessThan(500);
  const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, label).toBe("string");
  expect(typeof body.error?.message, label).toBe("string");
}

describe("hostile input", () => {
  it("POST /v1/ingest and PUT /v1/admin/contacts/:userId answer 4xx and write nothing", async () => {
    const before = await tableCounts();
    for (const [label, body] of JSON_BODIES) {
      for (const [method, url] of [
        ["POST", "/v1/ingest"],
        ["PUT", "/v1/admin/contacts/victim"],
      ] as const) {
        const res = await api.request(url, { method, headers: authed(), body });
        await expectClientError(res, `${method} ${url}: ${label}`);
      }
    }
    const wrongType = await api.request("/v1/ingest", {
      method: "POST",
      headers: authed("text/plain"),
      body: '{"event":"x","userId":"u"}',
    });
    expect(wrongType.status).toBe(415);
    expect(await tableCounts()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("the query-string endpoints reject junk parameters", async () => {
    const before = await tableCounts();
    const urls = [
      "/v1/admin/events?limit=-1",
      "/v1/admin/events?limit=1e309",
      "/v1/admin/events?cursor=%27%20OR%201%3D1%20--",
      `/v1/admin/events?userId=${"u".repeat(5000)}`,
      "/v1/admin/events?__proto__=x",
      "/v1/admin/events?userId=a%00b",
      "/v1/admin/contacts?search=%00",
      "/v1/admin/contacts?cursor=AA",
      "/v1/admin/contacts/a%00b",
      "/v1/admin/contacts?limit=abc",
      `/v1/admin/contacts?search=${"s".repeat(5000)}`,
      "/v1/admin/contacts?constructor=1",
      "/v1/admin/contacts/export?format=xml",
      `/v1/admin/contacts/${"x".repeat(1000)}`,
    ];
    for (const url of urls) {
      await expectClientError(await api.request(url, { headers: authed() }), url);
    }
    await expectClientError(
      await api.request(`/v1/admin/contacts/${"x".repeat(1000)}`, { method: "DELETE", headers: authed() }),
      "DELETE long id",
    );
    expect(await tableCounts()).toBe(before);
  });

  it("SQL-looking strings in valid fields are stored verbatim and harm nothing", async () => {
    const sql = "'; DROP TABLE events; --";
    const res = await api.request("/v1/ingest", {
      method: "POST",
      headers: authed(),
      body: JSON.stringify({ event: sql, userId: `${sql}u`, properties: { [sql]: sql } }),
    });
    expect(res.status).toBe(202);
    const search = await api.request(`/v1/admin/contacts?search=${encodeURIComponent(sql)}`, {
      headers: authed(),
    });
    expect(search.status).toBe(200);
    const stored = await testDb.db.query("SELECT event, properties FROM events WHERE user_id = $1", [
      `${sql}u`,
    ]);
    expect(stored.rows).toEqual([{ event: sql, properties: { [sql]: sql } }]);
    await testDb.db.query("DELETE FROM event_routing_queue");
    await testDb.db.query("DELETE FROM events");
    await testDb.db.query("DELETE FROM event_message_ids");
  });

  it("the import endpoint rejects junk bodies and rows without writing bad rows", async () => {
    const before = await tableCounts();
    const cases: Array<[string, string, string | Uint8Array]> = [
      ["text/csv", "header only proto", "__proto__\n1\n"],
      ["text/csv", "no userId column", "email\na@example.com\n"],
      ["application/json", "wrong content type", '{"userId":"x"}'],
    ];
    for (const [type, label, body] of cases) {
      const res = await api.request("/v1/admin/contacts/import", {
        method: "POST",
        headers: authed(type),
        body,
      });
      await expectClientError(res, label);
    }
    const rows = [
      '{"userId":"__proto__"}x',
      '{"userId":{"$ne":null}}',
      '{"userId":"ok","properties":{"__proto__":{"a":1}}}',
      deepArray,
      `{"userId":"${"u".repeat(10_000)}"}`,
      '{"userId":"nul\\u0000"}',
      '{"userId":"ok2","properties":{"a":"\\ud800"}}',
      "",
    ].join("\n");
    const res = await api.request("/v1/admin/contacts/import", {
      method: "POST",
      headers: authed("application/x-ndjson"),
      body: Buffer.concat([Buffer.from(rows), invalidUtf8]),
    });
    expect(res.status).toBe(200);
    const summary = ((await res.json()) as { data: { imported: number; failed: number } }).data;
    expect(summary).toMatchObject({ imported: 0, failed: 8 });
    expect(await tableCounts()).toBe(before);
  });

  it("health and unknown routes answer sensibly to junk, and the server keeps serving", async () => {
    const junk = [
      ["GET", "/v1/health?x=%ff%fe"],
      ["POST", "/v1/health"],
      ["GET", "/v1/%ff%fe"],
      ["GET", `/v1/${"a".repeat(10_000)}`],
      ["DELETE", "/v1/ingest"],
      ["GET", "/../../etc/passwd"],
      ["POST", "/v1/admin/contacts/export"],
    ] as const;
    for (const [method, url] of junk) {
      const res = await api.request(url, { method, headers: authed(), body: method === "GET" ? null : "{" });
      if (url.startsWith("/v1/health?")) expect(res.status).toBe(200);
      else await expectClientError(res, `${method} ${url}`);
    }
    const health = await api.request("/v1/health");
    expect(health.status).toBe(200);
  });
});

describe("hostile input that reached Postgres (found by test/input-fuzz.test.ts)", () => {
  const outOfRange = [
    "0000-01-01T00:00:00Z",
    -62_167_219_200_000,
    -8_640_000_000_000_000,
    "-271821-04-20T00:00:00Z",
  ];

  it("an ingest timestamp Postgres cannot store rejects its batch with a 400 naming the event", async () => {
    const snapshot = await createTableSnapshot(testDb.db);
    const before = await snapshot();
    for (const timestamp of outOfRange) {
      const batch = [
        { event: "ok", userId: "u-range" },
        { event: "ok", userId: "u-range", timestamp },
      ];
      const res = await api.request("/v1/ingest", {
        method: "POST",
        headers: authed(),
        body: JSON.stringify({ batch }),
      });
      expect(res.status, String(timestamp)).toBe(400);
      const body = (await res.json()) as { error: { details: Array<{ index: number; path: string }> } };
      expect(body.error.details.map((d) => [d.index, d.path])).toEqual([[1, "timestamp"]]);
    }
    expect(diffSnapshots(before, await snapshot())).toEqual([]);
  });

  it("POST /v1/send refuses NUL, unpaired surrogates and 5,000-deep props with a 400 naming the field", async () => {
    const snapshot = await createTableSnapshot(testDb.db);
    const before = await snapshot();
    const valid = { to: "a@example.com", template: "activation/welcome", subject: "Hi", userId: "u-send" };
    const cases: Array<[string, string]> = [
      ["subject", JSON.stringify({ ...valid, subject: "a\u0000b" })],
      ["userId", JSON.stringify({ ...valid, userId: "\ud800" })],
      ["from", JSON.stringify({ ...valid, from: "x\u0000@example.com" })],
      ["idempotencyKey", JSON.stringify({ ...valid, idempotencyKey: "k\udc00" })],
      ["props.a", `${JSON.stringify(valid).slice(0, -1)},"props":{"a":"\\u0000"}}`],
      ["props.__proto__", `${JSON.stringify(valid).slice(0, -1)},"props":{"__proto__":{"x":1}}}`],
      [
        `props.${Array(17).fill("a").join(".")}`,
        `${JSON.stringify(valid).slice(0, -1)},"props":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}}`,
      ],
    ];
    for (const [field, body] of cases) {
      const res = await api.request("/v1/send", { method: "POST", headers: authed(), body });
      expect(res.status, field).toBe(400);
      const answer = (await res.json()) as { error: { code: string; details: Array<{ path: string }> } };
      expect(answer.error.code).toBe("VALIDATION_FAILED");
      expect(
        answer.error.details.map((d) => d.path),
        field,
      ).toContain(field);
    }
    // A field the route does not take (a journey's sendWindow) is refused by name, not dropped.
    const extra = await api.request("/v1/send", {
      method: "POST",
      headers: authed(),
      body: JSON.stringify({ ...valid, sendWindow: { start: "09:00", end: "17:00" } }),
    });
    expect(extra.status).toBe(400);
    expect(await extra.text()).toContain("sendWindow");
    expect(diffSnapshots(before, await snapshot())).toEqual([]);
  });

  it("%00 in admin query and path parameters is a 400; %25 and %ff in a template key are a 404", async () => {
    const cursor = (...key: unknown[]) => Buffer.from(JSON.stringify(key)).toString("base64url");
    const badRequests = [
      "/v1/admin/suppressions?email=a%00b",
      `/v1/admin/suppressions?cursor=${cursor("0000-01-01T00:00:00Z", "a@example.com")}`,
      "/v1/admin/messages?userId=a%00b",
      "/v1/admin/messages?email=%00",
      `/v1/admin/messages?cursor=${cursor("0000-01-01T00:00:00Z", "00000000-0000-0000-0000-000000000000")}`,
      `/v1/admin/messages?cursor=${Buffer.from("0000-01-01T00:00:00Z|00000000-0000-0000-0000-000000000000").toString("base64url")}`,
      "/v1/admin/mailbox?to=a%00b",
      `/v1/admin/mailbox?cursor=${cursor("99999999999999999999")}`,
      "/v1/admin/users/a%00b/journeys",
      "/v1/admin/journeys/a%00b/runs",
      "/v1/admin/journeys/j/runs?userId=%00",
      "/v1/admin/runs/%00",
      "/v1/admin/templates/a%00b/preview",
      `/v1/admin/templates/activation/welcome/preview?props=${encodeURIComponent('{"firstName":"\\u0000"}')}`,
    ];
    for (const url of badRequests) {
      const res = await api.request(url, { headers: authed() });
      expect(res.status, url).toBe(400);
      const body = (await res.json()) as { error: { code: string; details: Array<{ path: string }> } };
      expect(body.error.code, url).toBe("VALIDATION_FAILED");
      expect(body.error.details[0]?.path, url).toMatch(/^[a-zA-Z]/);
    }
    const deleted = await api.request("/v1/admin/suppressions/a%00b", {
      method: "DELETE",
      headers: authed(),
    });
    expect(deleted.status).toBe(400);
    for (const url of [
      "/v1/admin/templates/%25/preview",
      "/v1/admin/templates/%ff/preview",
      "/v1/admin/messages/------------------------------------",
    ]) {
      expect((await api.request(url, { headers: authed() })).status, url).toBe(404);
    }
  });
});
