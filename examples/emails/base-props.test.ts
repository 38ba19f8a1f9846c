import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createRenderTemplate, resolveTemplateProps } from "../../src/email/templates/render-template.js";
import { createTemplateRegistry } from "../../src/email/templates/template-registry.js";
import { isHogsendError } from "../../src/errors.js";
import { templates } from "./index.js";

const registry = createTemplateRegistry(templates);
const listTemplates = () => registry.list();
const renderTemplate = createRenderTemplate(registry);
const parseTemplateProps = (key: string, props: unknown) => resolveTemplateProps(registry.get(key), props);

const withAppUrl = listTemplates().filter(
  (template) => template.props instanceof z.ZodObject && "appUrl" in template.props.shape,
);

const HOSTILE = [
  "javascript:alert(1)",
  "JavaScript:alert(document.cookie)",
  "javascript://example.com/%0Aalert(1)",
  "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
  "vbscript:msgbox(1)",
  "file:///etc/passwd",
  "ftp://example.com/",
];

describe("template URL props", () => {
  it("every shipped template takes appUrl", () => {
    expect(withAppUrl.length).toBe(listTemplates().length);
  });

  it.each(withAppUrl.map((t) => [t.key] as const))("%s refuses non-http(s) appUrl schemes", (key) => {
    for (const appUrl of HOSTILE) {
      try {
        parseTemplateProps(key, { appUrl });
        expect.fail(`accepted ${appUrl}`);
      } catch (error) {
        expect(isHogsendError(error, "VALIDATION_FAILED")).toBe(true);
        expect(JSON.stringify((error as { details: unknown }).details)).toContain("appUrl");
      }
    }
  });

  it.each(withAppUrl.map((t) => [t.key] as const))("%s accepts http and https appUrl", (key) => {
    for (const appUrl of [
      "https://app.example.com",
      "http://localhost:3000",
      "https://app.hogsend.localhost",
    ]) {
      expect(parseTemplateProps(key, { appUrl }).appUrl).toBe(appUrl);
    }
  });

  it("a rendered call to action never points at a script", async () => {
    await expect(renderTemplate("activation/welcome", { appUrl: "javascript:alert(1)//" })).rejects.toThrow(
      /Invalid props/,
    );
    const rendered = await renderTemplate("activation/welcome", { appUrl: "https://app.example.com" });
    expect(rendered.html).toContain('href="https://app.example.com/setup"');
  });
});
