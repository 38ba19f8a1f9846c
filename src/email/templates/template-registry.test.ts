import { describe, expect, it } from "vitest";
import { Templates } from "../../../examples/journeys/constants/templates.js";
import { isHogsendError } from "../../errors.js";
import { EMAIL_CATEGORIES } from "./email-template.js";
import { createTemplateRenderer, parseTemplateProps, renderTemplate } from "./render-template.js";
import { getTemplate, listTemplates, templateExists } from "./template-registry.js";

describe("template registry", () => {
  it("has a template for every key the example journeys send", () => {
    const missing = Object.values(Templates).filter((key) => !templateExists(key));
    expect(missing).toEqual([]);
    expect(templateExists("activation/welcom")).toBe(false);
  });

  it.each(listTemplates().map((t) => [t.key, t] as const))(
    "%s renders its example props to HTML and text",
    async (key, template) => {
      expect(EMAIL_CATEGORIES).toContain(template.category);
      const rendered = await renderTemplate(key, template.previewProps);
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
    const render = createTemplateRenderer(2);
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
