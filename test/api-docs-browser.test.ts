import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, type RunningServer, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium } from "./helpers/chromium.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// `GET /docs` in Debian's chromium with every request off loopback refused: the reference must render from the
// assets this process serves (no CDN script, no web font).
it.runIf(process.env.CI === "true")("CI has the browser the API docs test needs", () => {
  expect(HAVE_CHROMIUM, `${CHROMIUM} is missing`).toBe(true);
});

let database: TestDatabase;
let app: App;
let server: RunningServer;
let browser: Browser;

describe.skipIf(!HAVE_CHROMIUM)("GET /docs in a real browser, offline", () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createApp(loadConfig({ NODE_ENV: "test" }), { databaseUrl: database.url });
    server = await startApiServer(app, 0);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    await database?.drop();
  });

  it("renders the API reference from local assets with the network blocked", async () => {
    const context = await browser.newContext();
    const blocked: string[] = [];
    const served: string[] = [];
    await context.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === "data:" || url.protocol === "blob:" || url.hostname === "127.0.0.1") {
        served.push(url.pathname);
        return route.continue();
      }
      blocked.push(url.toString());
      return route.abort("internetdisconnected");
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    try {
      const res = await page.goto(`http://127.0.0.1:${server.port}/docs`);
      expect(res?.status()).toBe(200);
      // Route summaries and paths from the document, rendered by Scalar.
      // Route summaries and tags from the document, rendered by Scalar.
      await page.getByText("Health probe").first().waitFor({ timeout: 30_000 });
      await page.getByText("Contacts", { exact: true }).first().click();
      await page.getByText("Create or update a contact").first().waitFor({ timeout: 10_000 });
      expect(await page.title()).toBe("Hogsend API reference");
      expect(served).toEqual(expect.arrayContaining(["/docs", "/docs/scalar.js", "/v1/openapi.json"]));
      expect(pageErrors).toEqual([]);
      // The page asks nothing of the internet (no CDN, fonts, Scalar registry or AI agent).
      expect(blocked).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
