import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, type BackgroundWork, buildApi, createApp, startWorker } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { sendEmail } from "../src/email/index.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-key-email-capture-0123456789";
let database: TestDatabase;
let app: App;
let worker: BackgroundWork | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  // No EMAIL_PROVIDER: development and tests default to the capture provider.
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY }), {
    templates: exampleTemplates,
    databaseUrl: database.url,
  });
});
afterAll(async () => {
  await worker?.stop(1_000);
  await app.close();
  await database.drop();
});

describe("the worker's email delivery with the capture provider", () => {
  it("refuses sendEmail outside a journey, pointing at app.email.send", async () => {
    await expect(
      sendEmail({ to: "early@example.com", template: "activation/welcome", subject: "Too early" }),
    ).rejects.toThrow(/outside a journey; use app.email.send/);
  });

  it("delivers an app.email.send email into the mailbox readable over the admin API", async () => {
    worker = await startWorker(app);
    const { messageId, status } = await app.email.send({
      to: "Grace@Example.com",
      userId: "user-grace",
      template: "churn-payment-failed",
      subject: "Your payment didn't go through",
      props: { firstName: "Grace", gracePeriodDays: 2 },
    });
    expect(status).toBe("queued");
    const api = buildApi(app);
    const headers = { authorization: `Bearer ${ADMIN_KEY}` };
    let mailbox: {
      data: Array<{ messageId: string; to: string; subject: string; html: string; text: string }>;
    } = {
      data: [],
    };
    for (let i = 0; i < 200 && mailbox.data.length === 0; i++) {
      mailbox = (await (
        await api.request("/v1/admin/mailbox?to=grace@example.com", { headers })
      ).json()) as typeof mailbox;
      if (mailbox.data.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(mailbox.data).toHaveLength(1);
    expect(mailbox.data[0]).toMatchObject({
      messageId,
      to: "Grace@Example.com",
      subject: "Your payment didn't go through",
    });
    expect(mailbox.data[0]?.text).toContain("downgraded in 2 days");
    // The capture commits before the outcome write does: wait for the message to be recorded as sent.
    let detail = { status: "", provider: "" };
    for (let i = 0; i < 200 && detail.status !== "sent"; i++) {
      detail = (
        (await (await api.request(`/v1/admin/messages/${messageId}`, { headers })).json()) as {
          data: typeof detail;
        }
      ).data;
      if (detail.status !== "sent") await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(detail).toMatchObject({ status: "sent", provider: "capture" });
    expect((await api.request("/v1/admin/mailbox")).status).toBe(401);
  });
});
