import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { composeEmail } from "../src/email/outbox/compose-email.js";
import { createRenderTemplate } from "../src/email/templates/render-template.js";
import { exampleTemplates } from "./helpers/example-templates.js";

const renderTemplate = createRenderTemplate(exampleTemplates);

import { verifyUnsubscribeToken } from "../src/email/unsubscribe/unsubscribe-token.js";

const SECRET = "s".repeat(40);
const base = {
  NODE_ENV: "test",
  API_PUBLIC_URL: "https://mail.example.com",
  HOGSEND_UNSUBSCRIBE_SECRETS: `${SECRET},${"r".repeat(40)}`,
  HOGSEND_POSTAL_ADDRESS: "Hogsend Inc., 548 Market St, San Francisco, CA",
};
const input = (template: string) => ({
  messageId: "0191d7a4-6f6e-7000-8000-000000000001",
  to: "Ann@Example.com",
  from: "Hogsend <hello@example.com>",
  userId: "u1",
  template,
  subject: "Hello",
  props: {},
});

describe("composeEmail with email policy", () => {
  it("adds RFC 8058 headers, the footer link and the postal address to product and marketing mail", async () => {
    const config = loadConfig(base);
    for (const template of ["conversion-winback-offer", "activation/welcome"]) {
      const email = await composeEmail(input(template), { config, render: renderTemplate });
      const header = email.headers["List-Unsubscribe"];
      const url = header?.match(/^<(https:\/\/mail\.example\.com\/u\/[^>]+)>$/)?.[1];
      expect(url).toBeDefined();
      expect(email.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      const token = new URL(url!).pathname.slice(3);
      expect(verifyUnsubscribeToken(token, [SECRET])).toEqual({
        userId: "u1",
        email: "ann@example.com",
        category: email.category,
      });
      expect(email.html).toContain(`href="${url}"`);
      expect(email.html).toContain("548 Market St");
      expect(email.text).toContain(url);
      expect(email.html).not.toContain("/t/o/");
    }
  });

  it("leaves transactional mail without unsubscribe headers or footer", async () => {
    const email = await composeEmail(input("churn-payment-failed"), {
      config: loadConfig(base),
      render: renderTemplate,
    });
    expect(email.category).toBe("transactional");
    expect(email.headers["List-Unsubscribe"]).toBeUndefined();
    expect(email.html).not.toContain("/u/");
  });

  it("tracks opens and clicks only when tracking is on, deterministically", async () => {
    const config = loadConfig({ ...base, HOGSEND_EMAIL_TRACKING: "on" });
    const first = await composeEmail(input("conversion-winback-offer"), { config, render: renderTemplate });
    const again = await composeEmail(input("conversion-winback-offer"), { config, render: renderTemplate });
    expect(first.html).toBe(again.html);
    expect(first.html).toMatch(/https:\/\/mail\.example\.com\/t\/o\/[\w-]+\.[\w-]+\.gif/);
    // The unsubscribe link stays direct so it matches List-Unsubscribe.
    const url = first.headers["List-Unsubscribe"]!.slice(1, -1);
    expect(first.html).toContain(`href="${url}"`);
  });
});
