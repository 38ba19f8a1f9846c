import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { startEmailDelivery } from "../src/email/outbox/email-delivery.js";
import { createSmtpProvider } from "../src/email/providers/smtp-provider.js";
import { enqueueEmail } from "../src/email/send-email.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { FakeSmtpServer } from "./helpers/fake-smtp-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

let database: TestDatabase;
let app: App;
const smtp = new FakeSmtpServer();

beforeAll(async () => {
  database = await createTestDatabase();
  await smtp.start();
  app = await createApp(
    loadConfig({
      NODE_ENV: "test",
      EMAIL_PROVIDER: "smtp",
      SMTP_URL: smtp.url(),
      EMAIL_FROM: "Hogsend <hello@example.com>",
      API_PUBLIC_URL: "https://hogsend.example.com",
      HOGSEND_POSTAL_ADDRESS: "Hogsend Inc., 1 Example Way, Springfield",
      HOGSEND_EMAIL_TRACKING: "on",
    }),
    { templates: exampleTemplates, databaseUrl: database.url },
  );
});
afterAll(async () => {
  await app?.close();
  await smtp.stop();
  await database?.drop();
});

async function deliver(ids: string[]) {
  const delivery = await startEmailDelivery({
    db: app.db,
    templates: app.templates,
    config: app.config,
    logger: app.logger,
    provider: createSmtpProvider({ url: app.config.email.smtpUrl!, timeoutMs: 5_000 }),
  });
  try {
    const started = Date.now();
    for (;;) {
      const result = await app.db.query<{ status: string }>(
        "SELECT status FROM messages WHERE id = ANY($1::uuid[])",
        [ids],
      );
      if (result.rows.every((row) => row.status !== "queued" && row.status !== "sending")) break;
      if (Date.now() - started > 15_000) throw new Error("delivery timed out");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await delivery.stop(2_000);
  }
}

const headerLine = (mail: FakeSmtpServer["received"][number], name: string) =>
  mail.headerLines.find((line) => line.key === name.toLowerCase())?.line;

describe("RFC 8058 over a real SMTP delivery", () => {
  it("marketing mail carries List-Unsubscribe (HTTPS) and List-Unsubscribe-Post; the link one-click unsubscribes", async () => {
    await app.db.query("INSERT INTO contacts (user_id, email) VALUES ('u1', 'ann@example.com')");
    const marketing = await enqueueEmail(app.db, app.templates, {
      to: "ann@example.com",
      userId: "u1",
      template: "conversion-winback-offer",
      subject: "You left something behind",
    });
    const transactional = await enqueueEmail(app.db, app.templates, {
      to: "ann@example.com",
      userId: "u1",
      template: "churn-payment-failed",
      subject: "Your payment didn't go through",
    });
    await deliver([marketing.messageId, transactional.messageId]);

    const promo = smtp.received.find((mail) => mail.subject === "You left something behind");
    const receipt = smtp.received.find((mail) => mail.subject === "Your payment didn't go through");
    expect(promo).toBeDefined();
    expect(receipt).toBeDefined();
    const listUnsubscribe = headerLine(promo!, "List-Unsubscribe");
    const url = listUnsubscribe?.match(
      /^List-Unsubscribe:\s*<(https:\/\/hogsend\.example\.com\/u\/[^>]+)>$/,
    )?.[1];
    expect(url).toBeDefined();
    expect(headerLine(promo!, "List-Unsubscribe-Post")).toBe(
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
    );
    // A visible link to the same URL, and the postal address, in both bodies.
    expect(promo!.html).toContain(`href="${url}"`);
    expect(promo!.html).toContain("1 Example Way");
    expect(promo!.text).toContain(url);
    expect(promo!.text).toContain("1 Example Way");
    // Tracking is on: the open pixel is in the delivered HTML.
    expect(promo!.html).toMatch(/https:\/\/hogsend\.example\.com\/t\/o\/[\w-]+\.[\w-]+\.gif/);
    // Transactional mail is exempt from unsubscribe.
    expect(headerLine(receipt!, "List-Unsubscribe")).toBeUndefined();
    expect(receipt!.html).not.toContain("/u/");

    // A mailbox provider's one-click POST to the header URL, then the next marketing email is refused.
    const api = buildApi(app);
    const res = await api.request(new URL(url!).pathname, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(res.status).toBe(200);
    const next = await enqueueEmail(app.db, app.templates, {
      to: "ann@example.com",
      userId: "u1",
      template: "reactivation-checkin",
      subject: "We miss you",
    });
    const receiptAgain = await enqueueEmail(app.db, app.templates, {
      to: "ann@example.com",
      userId: "u1",
      template: "churn-payment-failed",
      subject: "Reminder",
    });
    await deliver([next.messageId, receiptAgain.messageId]);
    const rows = await app.db.query<{ id: string; status: string; status_reason: string | null }>(
      "SELECT id, status, status_reason FROM messages WHERE id = ANY($1::uuid[])",
      [[next.messageId, receiptAgain.messageId]],
    );
    const byId = new Map(rows.rows.map((row) => [row.id, row]));
    expect(byId.get(next.messageId)).toMatchObject({
      status: "skipped",
      status_reason: "category_unsubscribed:marketing",
    });
    expect(byId.get(receiptAgain.messageId)).toMatchObject({ status: "sent" });
    expect(smtp.received.map((mail) => mail.subject)).not.toContain("We miss you");
  });
});
