import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journeys as exampleJourneys } from "../examples/journeys/index.js";
import { findStudioDir } from "../src/api/studio-routes.js";
import {
  type App,
  type BackgroundWork,
  createApp,
  mintFirstStudioAdmin,
  type RunningServer,
  startApiServer,
  startWorker,
} from "../src/app.js";
import { studioBuildIsStale } from "../src/cli/studio-build.js";
import { loadConfig } from "../src/config.js";
import { defineJourney, minutes } from "../src/index.js";
import { freePort } from "../src/lib/free-port.js";
import { CHROMIUM, HAVE_CHROMIUM, launchChromium } from "./helpers/chromium.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * Studio in Debian's chromium against a real api (test database, the built Studio served at /studio, a worker
 * routing and sending): sign-in, every page with seeded data, each action changing the server's state and landing
 * in the audit log, and a viewer who sees no mutating control and is refused when forcing one. One browser, one
 * server. Screenshots of every page go to test-artifacts/studio/.
 */

it.runIf(process.env.CI === "true")("CI has the browser the Studio tests need", () => {
  expect(HAVE_CHROMIUM, `${CHROMIUM} is missing`).toBe(true);
});

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ARTIFACTS = path.join(ROOT, "test-artifacts", "studio");
const KEY = "studio-browser-test-key-0123456789";
const ADMIN = { email: "admin@studio.test", password: "correct-horse-battery-staple" };
const VIEWER = { email: "viewer@studio.test", password: "viewer-password-123456" };

let database: TestDatabase;
let app: App;
let server: RunningServer;
let worker: BackgroundWork;
let browser: Browser;
let base: string;
/** The flaky journey fails while this is true; the retry test flips it, so the retried run can succeed. */
let flakyFails = true;

const flaky = defineJourney({
  meta: {
    id: "studio-flaky",
    name: "Studio — Flaky",
    enabled: true,
    trigger: { event: "flaky.start" },
    entryLimit: "unlimited",
    suppress: minutes(0),
    retry: { attempts: 1 },
  },
  run: async (_user, ctx) => {
    await ctx.checkpoint("before-boom");
    if (flakyFails) throw new Error("boom: the flaky step failed");
    await ctx.sleep({ duration: minutes(30), label: "after-retry" });
  },
});

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field where they are read.
async function api<T = any>(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function auditActions(): Promise<string[]> {
  const { body } = await api<{ data: Array<{ action: string }> }>("GET", "/v1/admin/audit-log?limit=200");
  return body.data.map((entry) => entry.action);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Opens a Studio path and waits for the app's main content (not a loading spinner). */
async function open(page: Page, route: string, ready: string | RegExp): Promise<void> {
  await page.goto(`${base}/studio${route}`);
  await page.getByText(ready).first().waitFor({ timeout: 20_000 });
}

async function signIn(context: BrowserContext, who: { email: string; password: string }): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/studio/`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-as").getByText(who.email).waitFor({ timeout: 20_000 });
  return page;
}

describe.skipIf(!HAVE_CHROMIUM)("Studio in a real browser", { timeout: 60_000 }, () => {
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // test/global-setup.ts built Studio if its sources changed; this serves that build.
    expect(findStudioDir(), "studio/dist is missing").toBeDefined();
    expect(studioBuildIsStale(), "studio/dist is older than its sources").toBe(false);
    const [db, port] = await Promise.all([createTestDatabase(), freePort()]);
    database = db;
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      NODE_ENV: "test",
      HOGSEND_API_KEY: KEY,
      API_PUBLIC_URL: base,
      EMAIL_PROVIDER: "capture",
      STUDIO_ADMIN_EMAIL: ADMIN.email,
      STUDIO_ADMIN_PASSWORD: ADMIN.password,
      // The worker's alert evaluator runs each second, so the Alerts test sees its verdict at once.
      HOGSEND_ALERTS_INTERVAL_SECONDS: "1",
    });
    app = await createApp(config, {
      databaseUrl: database.url,
      templates: exampleTemplates,
      journeys: [...exampleJourneys, flaky],
    });
    await mintFirstStudioAdmin(app);
    server = await startApiServer(app, port);
    worker = await startWorker(app);
    // Seed through the public API, as a product would: people sign up, start checkouts, one hits the flaky bug.
    const events = [
      ...["ada", "grace", "linus"].map((name) => ({
        event: "user.created",
        userId: `user_${name}`,
        userEmail: `${name}@example.com`,
        properties: { $set: { name, plan: name === "ada" ? "pro" : "free" } },
      })),
      { event: "checkout.started", userId: "user_ada", properties: { cartId: "cart_1" } },
      { event: "checkout.started", userId: "user_grace", properties: { cartId: "cart_2" } },
      { event: "flaky.start", userId: "user_linus" },
    ];
    expect((await api("POST", "/v1/ingest", { batch: events })).status).toBe(202);
    await api("POST", "/v1/admin/suppressions", { email: "bounced@example.com", reason: "hard_bounce" });
    // Routed, runs started, the welcome emails delivered to the capture inbox, the flaky run failed.
    const seeded = async () => {
      const [runs, mailbox, failed] = await Promise.all([
        api("GET", "/v1/admin/journeys/checkout-recovery/runs"),
        api("GET", "/v1/admin/mailbox"),
        api("GET", "/v1/admin/journeys/studio-flaky/runs?status=failed"),
      ]);
      return [runs.body?.data?.length, mailbox.body?.data?.length, failed.body?.data?.length].join();
    };
    const deadline = Date.now() + 30_000;
    while ((await seeded()) !== "2,3,1") {
      if (Date.now() > deadline) throw new Error(`seeding did not settle: ${await seeded()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    // Studio asks nothing of the internet: every request stays on this server.
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === "data:" || url.origin === base) return route.continue();
      pageErrors.push(`off-origin request: ${url}`);
      return route.abort("internetdisconnected");
    });
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on("console", (message) => {
      // A refused request (the wrong password's 401) is asserted where it happens; anything else is a bug.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
        pageErrors.push(`${page.url()}: console: ${message.text()}`);
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop(1_000);
    await server?.close();
    await app?.close();
    await database?.drop();
  });

  it("serves the app shell with cache headers, deep links to index.html, and data only behind auth", async () => {
    const shell = await fetch(`${base}/studio/contacts/user_ada`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get("cache-control")).toBe("no-cache");
    const html = await shell.text();
    const asset = /\/studio\/assets\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${base}/studio/assets/missing-abc123.js`)).status).toBe(404);
    expect((await fetch(`${base}/studio`, { redirect: "manual" })).status).toBe(301);
    expect((await fetch(`${base}/v1/admin/contacts`)).status).toBe(401);
  });

  it("refuses a wrong password and signs the admin in", async () => {
    await page.goto(`${base}/studio/journeys`);
    await page.getByRole("heading", { name: "Sign in to Hogsend Studio" }).waitFor();
    await shot(page, "00-sign-in");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByTestId("signed-in-as").count()).toBe(0);
    await shot(page, "00-sign-in-refused");
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Back where the deep link pointed.
    await page.getByRole("heading", { name: "Journeys" }).waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe("/studio/journeys");
    expect((await fetch(`${base}/v1/auth/sign-up/email`, { method: "POST", body: "{}" })).ok).toBe(false);
  });

  it("renders every page with the seeded data", async () => {
    await open(page, "/", "Sent, 24 h");
    await page.getByTestId("overview").waitFor();
    await shot(page, "01-overview");
    await open(page, "/journeys", "Conversion — Checkout Recovery");
    await page.getByText("Studio — Flaky").waitFor();
    await shot(page, "02-journeys");
    await open(page, "/journeys/checkout-recovery", "await-purchase");
    await page.getByRole("link", { name: "user_ada" }).waitFor();
    // The example journeys set no goal: the lift card says how to add one.
    await page.getByText("No goal set").waitFor();
    await shot(page, "03-journey-detail");
    await open(page, "/contacts", "user_grace");
    await shot(page, "04-contacts");
    await open(page, "/contacts?q=plan:pro", "user_ada");
    expect(await page.getByRole("link", { name: "user_grace" }).count()).toBe(0);
    await open(page, "/contacts/user_ada", "ada@example.com");
    await page.getByTestId("contact-events").getByText("checkout.started").waitFor();
    await shot(page, "05-contact");
    await open(page, "/messages", "ada@example.com");
    await shot(page, "06-messages");
    await open(page, "/templates", "Props (JSON)");
    await page.frameLocator('iframe[title="Template preview"]').locator("body").waitFor();
    await shot(page, "07-templates");
    await open(page, "/events", "flaky.start");
    await shot(page, "08-events");
    await open(page, "/suppressions", "bounced@example.com");
    await shot(page, "09-suppressions");
    await open(page, "/inbox", "grace@example.com");
    await page.frameLocator('iframe[title="Captured email"]').locator("body").waitFor();
    await shot(page, "10-inbox");
    await open(page, "/settings", "Studio users");
    await page.getByText(ADMIN.email).nth(1).waitFor();
    await shot(page, "11-settings");
    await open(page, "/audit", "suppression.added");
    await shot(page, "12-audit");
    // Fewer sends than the alerts' minimum volume, no failures to speak of: nothing fires.
    await open(page, "/alerts", "No alert firing");
    await page.getByText("No alert has fired yet").waitFor();
    await page.getByTestId("sending-pause").getByText("Every kind of mail goes out.").waitFor();
    expect(await page.getByTestId("alerts-firing-count").count()).toBe(0);
    await shot(page, "27-alerts-empty");
  }, 90_000);

  it("opens a message drawer from its URL with the rendered HTML sandboxed", async () => {
    const { body } = await api("GET", "/v1/admin/messages?email=ada@example.com");
    const id = body.data[0].id as string;
    await open(page, `/messages?id=${id}`, "Rendered");
    const frame = page.locator('iframe[title="Rendered email"]');
    expect(await frame.getAttribute("sandbox")).toBe("");
    await page.frameLocator('iframe[title="Rendered email"]').locator("body").waitFor();
    await page.getByRole("tab", { name: /Delivery events/ }).click();
    await shot(page, "13-message-drawer");
  });

  it("cancels a run from the run inspector", async () => {
    const { body } = await api("GET", "/v1/admin/journeys/checkout-recovery/runs?userId=user_ada");
    const runId = body.data[0].runId as string;
    await open(page, `/journeys/checkout-recovery?run=${runId}`, "Journal");
    await page.getByTestId("run-inspector").waitFor();
    await shot(page, "14-run-inspector");
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel run" }).click();
    await page.getByTestId("run-inspector").getByText("cancelled").first().waitFor();
    expect((await api("GET", `/v1/admin/runs/${runId}`)).body.data.status).toBe("cancelled");
    expect(await auditActions()).toContain("run.cancelled");
  });

  it("retries a failed run", async () => {
    const { body } = await api("GET", "/v1/admin/journeys/studio-flaky/runs?status=failed");
    const runId = body.data[0].runId as string;
    await open(page, `/runs/${runId}`, "boom: the flaky step failed");
    await shot(page, "15-failed-run");
    flakyFails = false;
    await page.getByRole("button", { name: "Retry run" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Retry" }).click();
    await expect
      .poll(async () => (await api("GET", `/v1/admin/runs/${runId}`)).body.data.status, { timeout: 20_000 })
      .toBe("waiting");
    await page.getByTestId("run-inspector").getByText("waiting").first().waitFor({ timeout: 20_000 });
    expect(await auditActions()).toContain("run.retried");
  });

  it("disables a journey", async () => {
    await open(page, "/journeys", "Conversion — Checkout Recovery");
    const row = page.getByRole("row").filter({ hasText: "activation-welcome" });
    await row.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disable journey" }).click();
    await row.getByText("disabled").waitFor();
    const { body } = await api("GET", "/v1/admin/journeys");
    const journey = body.data.find((j: { id: string }) => j.id === "activation-welcome");
    expect(journey).toMatchObject({ enabled: false, enabledOverride: false });
    expect(await auditActions()).toContain("journey.disabled");
  });

  it("erases a contact only after the typed confirmation", async () => {
    await open(page, "/contacts/user_linus", "linus@example.com");
    await page.getByRole("button", { name: "Erase contact" }).click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Erase permanently" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Confirmation").fill("user_lin");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Confirmation").fill("user_linus");
    await shot(page, "16-erase-confirm");
    await confirm.click();
    await page.getByRole("heading", { name: "Contacts" }).waitFor();
    expect((await api("GET", "/v1/admin/contacts/user_linus")).status).toBe(404);
    expect(await auditActions()).toContain("contact.erased");
  });

  it("creates an API key, shows it once, and revokes it", async () => {
    await open(page, "/settings", "API keys");
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("browser-made key");
    await dialog.getByRole("button", { name: "Create" }).click();
    const secret = (await dialog.getByTestId("new-key").textContent()) ?? "";
    await shot(page, "17-key-created");
    const ingestWith = (key: string) =>
      fetch(`${base}/v1/ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ event: "key.tested", userId: "user_key" }),
      });
    expect(secret).toMatch(/\S{20,}/);
    // The new key (an ingest key) works as soon as it is shown.
    expect((await ingestWith(secret)).status).toBe(202);
    await dialog.getByRole("button", { name: "Done" }).click();
    const row = page.getByRole("row").filter({ hasText: "browser-made key" });
    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await row.getByText("revoked").waitFor();
    await expect.poll(async () => (await ingestWith(secret)).status, { timeout: 10_000 }).toBe(401);
    const { body } = await api("GET", "/v1/admin/api-keys");
    expect(body.data.find((k: { name: string }) => k.name === "browser-made key").revokedAt).not.toBeNull();
    const actions = await auditActions();
    expect(actions).toEqual(expect.arrayContaining(["api_key.created", "api_key.revoked"]));
  });

  it("validates preview props against the template's schema", async () => {
    const { body } = await api("GET", "/v1/admin/templates");
    const template = body.data.find(
      (t: { propsSchema: { properties?: Record<string, { type?: string }> } | null }) =>
        Object.values(t.propsSchema?.properties ?? {}).some((p) => p.type === "string"),
    );
    const [field] = Object.entries(template.propsSchema.properties as Record<string, { type?: string }>).find(
      ([, p]) => p.type === "string",
    ) ?? [""];
    await open(page, `/templates?key=${encodeURIComponent(template.key)}`, "Props (JSON)");
    await page.getByText("Props match the schema.").waitFor();
    await page.getByLabel("Props").fill(JSON.stringify({ ...template.previewProps, [field]: 12345 }));
    await page.getByTestId("props-problems").getByText(`/${field}`).waitFor();
    await shot(page, "07-templates-invalid-props");
    expect(await page.getByRole("button", { name: "Send test" }).isDisabled()).toBe(true);
  });

  it("sends a test email of a template through the outbox", async () => {
    await open(page, "/templates", "Props (JSON)");
    await page.getByLabel("To").fill("tester@example.com");
    await page.getByRole("button", { name: "Send test" }).click();
    await page.getByRole("status").filter({ hasText: "Queued" }).waitFor();
    await expect
      .poll(async () => (await api("GET", "/v1/admin/mailbox?to=tester@example.com")).body.data.length, {
        timeout: 20_000,
      })
      .toBe(1);
    expect(await auditActions()).toContain("template.test_sent");
  });

  it("creates a broadcast in the form, previews its audience, sends it and shows its stats live", async () => {
    await open(page, "/broadcasts", "No broadcasts yet");
    await shot(page, "20-broadcasts-empty");
    await page.getByRole("link", { name: "New broadcast" }).click();
    // A field's label wraps its control, so a select's name holds its option too: match on how names start.
    await page.getByRole("textbox", { name: /^Name/ }).fill("Studio launch");
    await page.getByRole("combobox", { name: /^Template/ }).selectOption("activation/welcome");
    await page.getByRole("textbox", { name: /^Subject/ }).fill("Something new");
    // A condition the API refuses: its 400 names the field, and the form shows it.
    const audience = (operator: string) =>
      JSON.stringify({ conditions: [{ type: "property", property: "name", operator }] });
    await page.getByRole("textbox", { name: /^Audience/ }).fill(audience("is_set"));
    await page.getByRole("button", { name: "Create draft" }).click();
    await page.getByTestId("field-problems").getByText("audience.conditions.0").first().waitFor();
    await shot(page, "21-broadcast-new-refused");
    await page.getByRole("textbox", { name: /^Audience/ }).fill(audience("exists"));
    // The seeded sign-ups still here (linus was erased above) are the audience: each has a name and an address.
    const seeded = await database.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM contacts WHERE user_id IN ('user_ada', 'user_grace', 'user_linus')",
    );
    const expected = seeded.rows[0]?.n ?? -1;
    await page.getByRole("button", { name: "Preview audience" }).click();
    await page.getByTestId("audience-count").getByText(String(expected)).waitFor();
    await shot(page, "21-broadcast-new-preview");
    await page.getByRole("button", { name: "Create draft" }).click();
    await page.getByRole("heading", { name: "Studio launch" }).waitFor();
    const id = new URL(page.url()).pathname.split("/").pop() as string;

    await page.getByRole("button", { name: "Preview audience" }).click();
    await page.getByTestId("audience-count").getByText(String(expected)).waitFor();
    await page.getByTestId("audience-preview").getByRole("link", { name: "user_ada" }).waitFor();
    await shot(page, "22-broadcast-draft-preview");

    await page.getByRole("button", { name: "Send now" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Send now" }).click();
    // The page follows the worker without a reload: status and counters move on their own.
    await page.getByRole("heading", { name: "Studio launch" }).waitFor();
    await page.locator("main").getByText("sent", { exact: true }).first().waitFor({ timeout: 20_000 });
    const sentCount = page.getByTestId("broadcast-stats").locator('[data-metric="sent"]');
    await sentCount.getByText(String(expected), { exact: true }).waitFor({ timeout: 20_000 });
    await shot(page, "23-broadcast-sent");
    const got = await api("GET", `/v1/admin/broadcasts/${id}`);
    expect(got.body.data).toMatchObject({ status: "sent", stats: { recipients: expected, sent: expected } });
    const recipients = await database.db.query<{ user_id: string; status: string }>(
      "SELECT user_id, status FROM broadcast_recipients WHERE broadcast_id = $1 ORDER BY user_id",
      [id],
    );
    expect(recipients.rows).toHaveLength(expected);
    expect(recipients.rows.map((r) => r.status)).toEqual(Array(expected).fill("queued"));
    const audit = await database.db.query<{ action: string; actor_label: string }>(
      "SELECT action, actor_label FROM audit_log WHERE target_type = 'broadcast' AND target_id = $1 ORDER BY id",
      [id],
    );
    expect(audit.rows).toEqual([
      { action: "broadcast.created", actor_label: ADMIN.email },
      { action: "broadcast.send_requested", actor_label: ADMIN.email },
    ]);
  });

  it("schedules a draft for a time and cancels it, each behind a dialog", async () => {
    const created = await api("POST", "/v1/admin/broadcasts", {
      name: "Studio later",
      template: "activation/welcome",
      subject: "Later",
      audience: { conditions: [] },
    });
    const id = created.body.data.id as string;
    await open(page, `/broadcasts/${id}`, "Studio later");
    await page.getByRole("button", { name: "Schedule" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Send at").fill("2031-05-04T09:30");
    await shot(page, "24-broadcast-schedule");
    await dialog.getByRole("button", { name: /^Schedule for/ }).click();
    await page.locator("main").getByText("scheduled", { exact: true }).first().waitFor();
    const scheduled = (await api("GET", `/v1/admin/broadcasts/${id}`)).body.data;
    expect(scheduled.status).toBe("scheduled");
    // The browser's zone (the test machine's) decides the instant; the wall time is what was typed.
    expect(await page.evaluate((at) => new Date(at).getHours(), scheduled.scheduledAt)).toBe(9);
    await page.getByRole("button", { name: "Cancel broadcast" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel broadcast" }).click();
    await page.locator("main").getByText("cancelled", { exact: true }).first().waitFor();
    expect((await api("GET", `/v1/admin/broadcasts/${id}`)).body.data.status).toBe("cancelled");
    expect(await auditActions()).toEqual(
      expect.arrayContaining(["broadcast.scheduled", "broadcast.cancelled"]),
    );
    await open(page, "/broadcasts", "Studio later");
    await page.getByTestId("broadcast-rows").getByText("Studio launch").waitFor();
    await shot(page, "25-broadcasts");
  });

  it("creates a viewer, who sees no mutating control and is refused when forcing one", async () => {
    await open(page, "/settings", "Studio users");
    await page.getByRole("button", { name: "Add user" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Email").fill(VIEWER.email);
    await dialog.getByLabel(/Password/).fill(VIEWER.password);
    await dialog.getByRole("button", { name: "Add user" }).click();
    await page.getByRole("row").filter({ hasText: VIEWER.email }).first().waitFor();
    expect(await auditActions()).toContain("studio_user.created");

    const viewerContext = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    try {
      const viewer = await signIn(viewerContext, VIEWER);
      const mutating =
        /^(Disable|Enable|Cancel run|Retry run|Erase contact|Suppress|Create key|Revoke|Add user|Add|Import CSV|Send test|Resend|Requeue|Save preferences|New broadcast|Create draft|Send now|Schedule|Cancel broadcast)$/;
      const { body } = await api("GET", "/v1/admin/journeys/checkout-recovery/runs?userId=user_grace");
      const runId = body.data[0].runId as string;
      const draft = await api("POST", "/v1/admin/broadcasts", {
        name: "Studio draft",
        template: "activation/welcome",
        subject: "Draft",
        audience: { conditions: [] },
      });
      for (const [route, ready] of [
        ["/journeys", "Conversion — Checkout Recovery"],
        [`/journeys/checkout-recovery?run=${runId}`, "Journal"],
        ["/contacts/user_grace", "grace@example.com"],
        ["/settings", "Studio users"],
        ["/suppressions", "bounced@example.com"],
        ["/templates", "Props (JSON)"],
        ["/broadcasts", "Studio launch"],
        [`/broadcasts/${draft.body.data.id}`, "Studio draft"],
        ["/broadcasts/new", "Only admins create broadcasts"],
      ] as const) {
        await open(viewer, route, ready);
        expect(await viewer.getByRole("button", { name: mutating }).count(), route).toBe(0);
        expect(await viewer.getByRole("link", { name: mutating }).count(), route).toBe(0);
      }
      await open(viewer, `/broadcasts/${draft.body.data.id}`, "Studio draft");
      await viewer.getByRole("button", { name: "Preview audience" }).click();
      await viewer.getByTestId("audience-count").waitFor();
      await shot(viewer, "26-viewer-broadcast");
      // Reading is all a viewer does, and previews are reads: the template renders for them too.
      await open(viewer, "/templates", "Props (JSON)");
      await viewer
        .frameLocator('iframe[title="Template preview"]')
        .getByRole("heading", { name: /Welcome/ })
        .waitFor();
      await open(viewer, "/journeys", "Conversion — Checkout Recovery");
      await shot(viewer, "18-viewer-journeys");
      // Forcing it: the same request the admin's button makes, from the viewer's signed-in page.
      const forced = await viewer.evaluate(
        (id) =>
          fetch(`/v1/admin/runs/${id}/cancel`, { method: "POST", credentials: "include" }).then(
            (r) => r.status,
          ),
        runId,
      );
      expect(forced).toBe(403);
      expect((await api("GET", `/v1/admin/runs/${runId}`)).body.data.status).toBe("waiting");
    } finally {
      await viewerContext.close();
    }
  });

  it("shows the guard's pause and the firing alerts; an admin resumes sending, a viewer cannot", async () => {
    // A complaint storm as the provider's webhooks record it: 100 marketing emails sent a minute ago, 2 reported as
    // spam (2 %, past the 0.3 % critical band). The worker's evaluator opens complaint_rate and its guard pauses.
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    await database.db.query(
      `WITH sent AS (
         INSERT INTO messages (to_email, template, subject, category, status, sent_at, created_at)
         SELECT 'storm' || i || '@example.com', 'activation/welcome', 'Hi', 'marketing', 'sent', $1, $1
           FROM generate_series(1, 100) i RETURNING id, to_email)
       INSERT INTO message_events (message_id, email, type, source, occurred_at)
       SELECT id, to_email, 'complained', 'resend', $1 FROM sent ORDER BY to_email LIMIT 2`,
      [minuteAgo],
    );
    const current = async () => (await api("GET", "/v1/admin/alerts")).body.data;
    const stateOf = async (rule: string) =>
      (await current()).alerts.find((a: { rule: string }) => a.rule === rule)?.status;
    await expect.poll(() => stateOf("reputation_guard"), { timeout: 10_000 }).toBe("firing");
    const { alerts, sending } = await current();
    expect(sending).toMatchObject({ paused: true, pausedBy: "rule:complaint_rate" });
    const complaint = alerts.find((a: { rule: string }) => a.rule === "complaint_rate");
    expect(complaint).toMatchObject({ status: "firing", severity: "critical" });
    const firing = alerts.filter((a: { status: string }) => a.status === "firing").length;

    await open(page, "/alerts", "Non-transactional sending is paused");
    const rows = page.getByTestId("alert-rows");
    await rows.locator('[data-rule="complaint_rate"][data-status="firing"]').waitFor();
    await rows.locator('[data-rule="reputation_guard"][data-status="firing"]').waitFor();
    await rows.locator('[data-rule="complaint_rate"]').getByText(complaint.summary).waitFor();
    await page.getByTestId("sending-pause").getByText(sending.reason).waitFor();
    await page.getByTestId("alert-history-rows").getByText("complaint_rate").first().waitFor();
    expect(await page.getByTestId("alerts-firing-count").textContent()).toBe(String(firing));
    await shot(page, "28-alerts-firing");

    const viewerContext = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    try {
      const viewer = await signIn(viewerContext, VIEWER);
      await open(viewer, "/alerts", "Non-transactional sending is paused");
      await viewer.getByText("an admin can resume sending here").waitFor();
      expect(await viewer.getByRole("button", { name: "Resume sending" }).count()).toBe(0);
      await shot(viewer, "29-viewer-alerts-paused");
    } finally {
      await viewerContext.close();
    }

    await page.getByRole("button", { name: "Resume sending" }).click();
    await shot(page, "30-alerts-resume-confirm");
    await page.getByRole("dialog").getByRole("button", { name: "Resume sending" }).click();
    await page.getByTestId("sending-pause").getByText("Every kind of mail goes out.").waitFor();
    await page
      .getByTestId("sending-pause")
      .getByText(/resumed .* by you\./)
      .waitFor();
    const after = (await api("GET", "/v1/admin/sending")).body.data;
    expect(after).toMatchObject({ paused: false, resumedBy: expect.stringMatching(/^user:/) });
    const audit = await database.db.query<{ action: string; actor_label: string }>(
      "SELECT action, actor_label FROM audit_log WHERE target_type = 'sending' ORDER BY id",
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["sending.paused", "sending.resumed"]);
    expect(audit.rows[1]?.actor_label).toBe(ADMIN.email);
    // The admin's decision holds for the rest of the incident: the guard's alert resolves, the complaints still fire.
    await expect.poll(() => stateOf("reputation_guard"), { timeout: 10_000 }).toBe("ok");
    expect((await api("GET", "/v1/admin/sending")).body.data.paused).toBe(false);
    expect(await stateOf("complaint_rate")).toBe("firing");
    await open(page, "/alerts", "Every kind of mail goes out.");
    await page.getByTestId("alert-history-rows").getByText("resolved").first().waitFor();
    await shot(page, "31-alerts-resumed");
  });

  it("pages a long list along its cursor with Load more; another filter starts at its first page", async () => {
    // 150 contacts one search finds: more than the 100 rows of a page.
    await database.db.query(
      `INSERT INTO contacts (user_id, email)
       SELECT 'pager_' || lpad(i::text, 3, '0'), 'pager' || lpad(i::text, 3, '0') || '@paging.test'
         FROM generate_series(1, 150) i`,
    );
    const rows = page.getByTestId("contact-rows").locator("tr");
    const footer = page.getByTestId("load-more");
    await open(page, "/contacts?q=pager", "pager_001");
    await footer.getByText("Showing 100").waitFor();
    expect(await rows.count()).toBe(100);
    expect(await page.getByText("pager_150").count()).toBe(0);
    await footer.screenshot({ path: path.join(ARTIFACTS, "32-contacts-load-more.png") });
    await footer.getByRole("button", { name: "Load more" }).click();
    await footer.getByText("Showing all 150").waitFor();
    expect(await rows.count()).toBe(150);
    expect(await rows.last().textContent()).toContain("pager_150");
    expect(await footer.getByRole("button", { name: "Load more" }).count()).toBe(0);
    await shot(page, "33-contacts-paged");
    // No search is another list, from its first page; coming back to the search starts it at the top again.
    await page.getByLabel("Search contacts").fill("");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL((url) => !url.search.includes("q="));
    await footer.getByText("Showing 100").waitFor();
    expect(await rows.count()).toBe(100);
    await footer.getByRole("button", { name: "Load more" }).click();
    await footer.getByText(/^Showing all 15\d$/).waitFor();
    await page.goBack();
    await page.waitForURL(/q=pager/);
    await footer.getByText("Showing 100").waitFor();
    expect(await rows.count()).toBe(100);
  });

  it("shows each action in the Audit page, and raised no page errors", async () => {
    await open(page, "/audit", "run.cancelled");
    for (const action of [
      "run.retried",
      "journey.disabled",
      "contact.erased",
      "api_key.revoked",
      "template.test_sent",
      "broadcast.send_requested",
      "sending.resumed",
    ]) {
      await page.getByTestId("audit-rows").getByText(action).first().waitFor();
    }
    await shot(page, "19-audit-after");
    expect(pageErrors, pageErrors.join("\n")).toEqual([]);
  });
});
