import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, type RunningServer, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { unsubscribeUrl } from "../src/email/unsubscribe/unsubscribe-links.js";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium } from "./helpers/chromium.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// The browser is Debian's chromium (test/helpers/chromium.ts): skipped without it on a developer's machine, a
// failure under CI=true, never a silent pass.
it.runIf(process.env.CI === "true")("CI has the browser the preference-center test needs", () => {
  expect(
    HAVE_CHROMIUM,
    `${CHROMIUM} is missing; scripts/ensure-test-tools.mjs should have installed it`,
  ).toBe(true);
});
let database: TestDatabase;
let app: App;
let server: RunningServer;
let browser: Browser;
let base: string;

describe.skipIf(!HAVE_CHROMIUM)("preference center in a real browser", () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createApp(loadConfig({ NODE_ENV: "test" }), {
      templates: exampleTemplates,
      databaseUrl: database.url,
    });
    server = await startApiServer(app, 0);
    base = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
    await app.db.query("INSERT INTO contacts (user_id, email) VALUES ('u1', 'ann@example.com')");
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    await database?.drop();
  });

  const linkFor = (category: string | null) =>
    unsubscribeUrl(
      { publicUrl: base, secrets: app.config.email.linkSecrets },
      { userId: "u1", email: "ann@example.com", category },
    );

  async function preferences() {
    const prefs = await app.db.query<{ category: string }>(
      "SELECT category FROM email_preferences WHERE user_id = 'u1' AND unsubscribed_at IS NOT NULL ORDER BY 1",
    );
    const contact = await app.db.query<{ global: boolean }>(
      "SELECT unsubscribed_at IS NOT NULL AS global FROM contacts WHERE user_id = 'u1'",
    );
    return { categories: prefs.rows.map((r) => r.category), global: contact.rows[0]?.global };
  }

  it("opening the link changes nothing; saving the form and the Unsubscribe button do", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(linkFor("product"));
      expect(await page.textContent("h1")).toBe("Email preferences");
      expect(await page.isChecked('input[name="subscribed"][value="marketing"]')).toBe(true);
      expect(await preferences()).toEqual({ categories: [], global: false });

      await page.uncheck('input[name="subscribed"][value="marketing"]');
      await Promise.all([page.waitForLoadState("load"), page.click("#save")]);
      expect(await page.textContent(".notice")).toContain("saved");
      expect(await page.isChecked('input[name="subscribed"][value="marketing"]')).toBe(false);
      expect(await preferences()).toEqual({ categories: ["marketing"], global: false });

      await page.goto(linkFor("product"));
      await Promise.all([page.waitForLoadState("load"), page.click("#unsubscribe")]);
      expect(await page.textContent("h1")).toBe("You are unsubscribed");
      expect(await preferences()).toEqual({ categories: ["marketing", "product"], global: false });

      await page.goto(linkFor(null));
      await page.check('input[name="global"]');
      await Promise.all([page.waitForLoadState("load"), page.click("#save")]);
      expect(await preferences()).toMatchObject({ global: true });
    } finally {
      await page.close();
    }
  });

  it("shows the invalid-link page for a tampered token", async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`${linkFor("product")}x`);
      expect(response?.status()).toBe(400);
      expect(await page.textContent("h1")).toBe("This link is not valid");
    } finally {
      await page.close();
    }
  });
});
