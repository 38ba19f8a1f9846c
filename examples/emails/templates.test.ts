import { describe, expect, it } from "vitest";
import { EMAIL_CATEGORIES } from "../../src/email/templates/email-template.js";
import {
  createRenderTemplate,
  createTemplateRenderer,
  resolveTemplateProps,
} from "../../src/email/templates/render-template.js";
import { createTemplateRegistry } from "../../src/email/templates/template-registry.js";
import { isHogsendError } from "../../src/errors.js";
import { Templates } from "../journeys/constants/templates.js";
import { templates } from "./index.js";

const registry = createTemplateRegistry(templates);
const listTemplates = () => registry.list();
const templateExists = (key: string) => registry.has(key);
const getTemplate = (key: string) => registry.get(key);
const renderTemplate = createRenderTemplate(registry);
const parseTemplateProps = (key: string, props: unknown) => resolveTemplateProps(registry.get(key), props);

describe("the examples' templates", () => {
  it("has a template for every key the example journeys send", () => {
    const missing = Object.values(Templates).filter((key) => !templateExists(key));
    expect(missing).toEqual([]);
    expect(templateExists("activation/welcom")).toBe(false);
  });

  it.each(listTemplates().map((t) => [t.key, t] as const))(
    "%s renders its example props to HTML and text",
    async (key, template) => {
      expect(EMAIL_CATEGORIES).toContain(template.category);
      const rendered = await renderTemplate(key, template.previewProps ?? {});
      expect(rendered.html).toMatch(/^<!DOCTYPE html/);
      expect(rendered.html).toContain("</html>");
      expect(rendered.text.length).toBeGreaterThan(40);
      expect(rendered.text).toContain("Ada");
      expect(`${rendered.html}${rendered.text}`).not.toMatch(/undefined|\[object Object\]/);
      expect(rendered.category).toBe(template.category);
    },
  );

  it("renders props into the email and escapes them", async () => {
    const rendered = await renderTemplate("conversion-winback-offer", {
      discountPercent: 15,
      firstName: "<b>Eve</b>",
    });
    expect(rendered.html).toContain("15% off");
    expect(rendered.html).toContain("&lt;b&gt;Eve&lt;/b&gt;");
    expect(rendered.html).not.toContain("<b>Eve</b>");
    const plain = await renderTemplate("conversion-winback-offer", {});
    expect(plain.html).not.toContain("% off");
  });

  it("rejects unknown templates and invalid props with codes that name them", () => {
    expect(() => getTemplate("nope")).toThrow(/Unknown email template "nope"/);
    try {
      parseTemplateProps("churn-payment-failed", { gracePeriodDays: "two" });
      expect.fail("should throw");
    } catch (error) {
      expect(isHogsendError(error, "VALIDATION_FAILED")).toBe(true);
      expect(JSON.stringify((error as { details: unknown }).details)).toContain("gracePeriodDays");
    }
  });

  it("caches renders by template and props", async () => {
    const render = createTemplateRenderer(registry, 2);
    const a = render("activation/welcome", { firstName: "A" });
    expect(render("activation/welcome", { firstName: "A" })).toBe(a);
    const b = render("activation/welcome", { firstName: "B" });
    expect(b).not.toBe(a);
    await render("activation/nudge", {});
    // Capacity 2: the least recently used entry (A) was evicted.
    expect(render("activation/welcome", { firstName: "A" })).not.toBe(a);
    expect((await b).html).toContain("Hi B,");
  });
});
