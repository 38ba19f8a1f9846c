import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(
    loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: "wiring-admin-key-0123456789abcdef" }),
    {
      templates: exampleTemplates,
      databaseUrl: testDb.url,
    },
  );
  api = buildApi(app);
});
afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

describe("email policy routes in the composed API", () => {
  it("serves webhooks, suppressions, unsubscribe and tracking", async () => {
    const webhook = await api.request("/v1/webhooks/resend", { method: "POST", body: "{}" });
    expect(webhook.status).toBe(401);
    const postmark = await api.request("/v1/webhooks/postmark", { method: "POST", body: "{}" });
    expect(postmark.status).toBe(401);
    expect((await api.request("/v1/admin/suppressions")).status).toBe(401);
    const listed = await api.request("/v1/admin/suppressions", {
      headers: { Authorization: "Bearer wiring-admin-key-0123456789abcdef" },
    });
    expect(listed.status).toBe(200);
    const unsubscribe = await api.request("/u/not-a-token");
    expect(unsubscribe.status).toBe(400);
    expect(unsubscribe.headers.get("content-type")).toMatch(/text\/html/);
    const pixel = await api.request("/t/o/not-a-token.gif");
    expect(pixel.headers.get("content-type")).toBe("image/gif");
    expect((await api.request("/t/c/not-a-token")).status).toBe(400);
  });
});
