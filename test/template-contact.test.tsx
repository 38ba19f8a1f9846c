import { Text } from "@react-email/components";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, type BackgroundWork, buildApi, createApp, startWorker } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { defineTemplate } from "../src/email/index.js";
import { resolveTemplateProps } from "../src/email/templates/render-template.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-key-template-contact-0123456789";

const hello = defineTemplate({
  key: "hello",
  category: "product",
  subject: (p) => `Hello ${p.firstName ?? "there"}`,
  props: z.object({ firstName: z.string().min(1).optional(), plan: z.string().default("free") }),
  component: (p, { contact }) => (
    <Text>
      Hi {p.firstName ?? "there"} ({contact.email}), plan {p.plan}
    </Text>
  ),
});

describe("resolveTemplateProps: contact properties under explicit props", () => {
  it("fills props from the contact, lets explicit props win, drops contact values the schema refuses", () => {
    expect(resolveTemplateProps(hello, {}, { firstName: "Ada", plan: "pro", other: 1 })).toEqual({
      firstName: "Ada",
      plan: "pro",
    });
    expect(resolveTemplateProps(hello, { firstName: "Grace" }, { firstName: "Ada" })).toEqual({
      firstName: "Grace",
      plan: "free",
    });
    expect(resolveTemplateProps(hello, {}, { firstName: 42, plan: "pro" })).toEqual({ plan: "pro" });
    expect(() => resolveTemplateProps(hello, { firstName: "" }, { firstName: "Ada" })).toThrow(
      /Invalid props/,
    );
  });
});

describe("templates receive the contact", () => {
  let database: TestDatabase;
  let app: App;
  let worker: BackgroundWork;
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createApp(
      loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY, HOGSEND_POLL_INTERVAL_MS: "100" }),
      { databaseUrl: database.url, templates: [hello] },
    );
    worker = await startWorker(app);
  });
  afterAll(async () => {
    await worker?.stop(1_000);
    await app?.close();
    await database?.drop();
  });

  async function mailboxFor(to: string) {
    const api = buildApi(app);
    for (let i = 0; i < 200; i++) {
      const body = (await (await api.request(`/v1/admin/mailbox?to=${to}`, { headers })).json()) as {
        data: Array<{ subject: string; text: string }>;
      };
      if (body.data.length > 0) return body.data;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return [];
  }

  it('renders "Hi {firstName}" from properties set by $set, with explicit props winning', async () => {
    const api = buildApi(app);
    const ingested = await api.request("/v1/ingest", {
      method: "POST",
      headers,
      body: JSON.stringify({
        event: "user.created",
        userId: "u-ada",
        userEmail: "ada@example.com",
        properties: { $set: { firstName: "Ada", plan: "pro" } },
      }),
    });
    expect(ingested.status).toBe(202);
    for (let i = 0; i < 200; i++) {
      const contact = await database.db.query("SELECT 1 FROM contacts WHERE user_id = 'u-ada'");
      if (contact.rowCount) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await app.email.send({ to: "ada@example.com", userId: "u-ada", template: "hello" });
    const [fromContact] = await mailboxFor("ada@example.com");
    expect(fromContact?.subject).toBe("Hello Ada");
    expect(fromContact?.text).toContain("Hi Ada (ada@example.com), plan pro");

    await app.email.send({
      to: "ada+2@example.com",
      userId: "u-ada",
      template: "hello",
      props: { firstName: "Augusta" },
    });
    const [explicit] = await mailboxFor("ada%2B2@example.com");
    expect(explicit?.subject).toBe("Hello Augusta");
    expect(explicit?.text).toContain("Hi Augusta (ada+2@example.com), plan pro");
  });
});
