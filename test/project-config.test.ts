import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../src/project/load-project.js";

// Inside the repository (the ignored .hogsend/), so the configs' `import "hogsend"` resolves to this package.
const PROJECTS = fileURLToPath(new URL("../.hogsend/", import.meta.url));
let dir: string;

const TEMPLATE = (key: string, category = "product") => `defineTemplate({
  key: ${JSON.stringify(key)},
  category: ${JSON.stringify(category)},
  subject: "Hi",
  props: z.object({}),
  component: () => createElement("p", null, "hi"),
})`;
const JOURNEY = (id: string, template: string) => `defineJourney({
  meta: { id: ${JSON.stringify(id)}, name: "J", enabled: true, trigger: { event: "x" }, entryLimit: "unlimited", suppress: hours(1) },
  run: async (user) => {
    await sendEmail({ to: user.email, template: ${JSON.stringify(template)} });
  },
})`;

async function config(
  name: string,
  body: {
    journeys: string[];
    templates: string[];
    categories?: string[];
    frequencyCaps?: string;
    alerts?: string;
  },
) {
  const file = path.join(dir, `${name}.config.ts`);
  await writeFile(
    file,
    `import { days, defineConfig, defineJourney, hours } from "hogsend";
import { defineTemplate, sendEmail } from "hogsend/email";
import { createElement } from "react";
import { z } from "zod";
export default defineConfig({
  journeys: [${body.journeys.join(", ")}],
  templates: [${body.templates.join(", ")}],
  ${body.categories ? `categories: ${JSON.stringify(body.categories)},` : ""}
  ${body.frequencyCaps ? `frequencyCaps: ${body.frequencyCaps},` : ""}
  ${body.alerts ? `alerts: ${body.alerts},` : ""}
});
`,
  );
  return file;
}

beforeAll(async () => {
  await mkdir(PROJECTS, { recursive: true });
  dir = await mkdtemp(path.join(PROJECTS, "config-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("hogsend.config.ts is checked at load, naming the file and the key", () => {
  it("loads a valid project: journeys, templates, own categories", async () => {
    const file = await config("ok", {
      journeys: [JOURNEY("a", "welcome")],
      templates: [TEMPLATE("welcome"), TEMPLATE("digest/weekly", "digest")],
      categories: ["digest"],
    });
    const project = await loadProject({ configPath: file });
    expect(project.journeys.map((j) => j.meta.id)).toEqual(["a"]);
    expect(project.templates.list().map((t) => t.key)).toEqual(["welcome", "digest/weekly"]);
    expect(project.root).toBe(dir);
  });

  it("checks frequencyCaps against the categories and carries them in the registry", async () => {
    const ok = await config("caps-ok", {
      journeys: [],
      templates: [TEMPLATE("welcome")],
      categories: ["digest"],
      frequencyCaps:
        '{ marketing: { max: 3, per: days(7) }, digest: { max: 1, per: days(1), onCap: "defer" } }',
    });
    const project = await loadProject({ configPath: ok });
    expect(Object.fromEntries(project.templates.frequencyCaps)).toEqual({
      marketing: { max: 3, per: { hours: 168 }, onCap: "skip" },
      digest: { max: 1, per: { hours: 24 }, onCap: "defer" },
    });
    const bad = await config("caps-bad", {
      journeys: [],
      templates: [TEMPLATE("welcome")],
      frequencyCaps: "{ promo: { max: 3, per: days(7) }, marketing: { max: 0, per: days(7) } }",
    });
    await expect(loadProject({ configPath: bad })).rejects.toThrow(
      /Invalid frequencyCaps in .*caps-bad\.config\.ts:\n {2}- frequencyCaps\.promo: unknown category[\s\S]*frequencyCaps\.marketing\.max/,
    );
  });

  it.each([
    [
      "unknown template key",
      { journeys: [JOURNEY("a", "welcom")], templates: [TEMPLATE("welcome")] },
      /unknown-key\.config\.ts: journey "a" sends unknown template "welcom"/,
    ],
    [
      "duplicate template key",
      { journeys: [], templates: [TEMPLATE("welcome"), TEMPLATE("welcome")] },
      /Two templates in .*duplicate-template\.config\.ts share the key "welcome"/,
    ],
    [
      "unknown category",
      { journeys: [], templates: [TEMPLATE("news", "newsletter")] },
      /Template "news" in .*unknown-category\.config\.ts has unknown category "newsletter"/,
    ],
    [
      "duplicate journey id",
      { journeys: [JOURNEY("a", "welcome"), JOURNEY("a", "welcome")], templates: [TEMPLATE("welcome")] },
      /duplicate-journey\.config\.ts: Two journeys share the id "a"/,
    ],
  ])("refuses an %s", async (_what, body, message) => {
    const name = {
      "unknown template key": "unknown-key",
      "duplicate template key": "duplicate-template",
      "unknown category": "unknown-category",
      "duplicate journey id": "duplicate-journey",
    }[_what as string];
    const file = await config(name ?? "x", body);
    await expect(loadProject({ configPath: file })).rejects.toThrow(message);
  });

  it("loads alert thresholds and refuses bad ones, naming the path under alerts", async () => {
    const ok = await config("alerts-ok", {
      journeys: [],
      templates: [],
      alerts: `{ complaintRate: { warn: 0.05, critical: 0.2 }, failedRuns: false, reputationGuard: { resumeAfterMinutes: 30 } }`,
    });
    const project = await loadProject({ configPath: ok });
    expect(project.alerts).toEqual({
      complaintRate: { warn: 0.05, critical: 0.2 },
      failedRuns: false,
      reputationGuard: { resumeAfterMinutes: 30 },
    });
    const typo = await config("alerts-typo", { journeys: [], templates: [], alerts: `{ complaintRat: {} }` });
    await expect(loadProject({ configPath: typo })).rejects.toThrow(
      /alerts-typo\.config\.ts: invalid alerts settings/,
    );
    await expect(loadProject({ configPath: typo })).rejects.toThrow(/complaintRat/);
    const inverted = await config("alerts-inverted", {
      journeys: [],
      templates: [],
      alerts: `{ bounceRate: { warn: 6, critical: 5 } }`,
    });
    await expect(loadProject({ configPath: inverted })).rejects.toThrow(
      /alerts\.bounceRate: warn must not be above critical/,
    );
    const outOfRange = await config("alerts-range", {
      journeys: [],
      templates: [],
      alerts: `{ complaintRate: { warn: 150 } }`,
    });
    await expect(loadProject({ configPath: outOfRange })).rejects.toThrow(/alerts\.complaintRate\.warn/);
  });

  it("says when --config names a file that does not exist", async () => {
    await expect(loadProject({ configPath: path.join(dir, "missing.ts") })).rejects.toThrow(
      /Config file not found/,
    );
  });
});
