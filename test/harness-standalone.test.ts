import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createElement } from "react";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTemplate, sendEmail } from "../src/email/index.js";
import { defineJourney, hours } from "../src/index.js";
import { createJourneyHarness } from "../src/testing/index.js";

const note = defineTemplate({
  key: "note",
  category: "product",
  subject: "A note",
  props: z.object({ firstName: z.string().optional() }),
  component: (p) => createElement("p", null, `hello ${p.firstName ?? ""}`),
});

const journey = defineJourney({
  meta: {
    id: "standalone",
    name: "Standalone",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "once",
    suppress: hours(0),
  },
  run: async (user, ctx) => {
    await sendEmail({ to: user.email, userId: user.id, template: "note" });
    await ctx.sleep({ duration: hours(1), label: "wait" });
  },
});

describe("createJourneyHarness with no database URL", () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (!dataDir) return;
    // Stop the cluster this test started in its own folder (users' shared cluster is left running on purpose).
    const pid = Number.parseInt(
      (await readFile(path.join(dataDir, "data", "postmaster.pid"), "utf8")).split("\n")[0] ?? "",
      10,
    );
    if (pid > 0) process.kill(pid, "SIGINT");
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      } catch {
        break;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts an embedded Postgres, gives each harness a fresh migrated database, and reuses the cluster", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "hogsend-harness-test-"));
    const started = Date.now();
    const first = await createJourneyHarness({ journeys: [journey], templates: [note], dataDir });
    const coldMs = Date.now() - started;
    await first.send({ event: "user.created", userId: "u1", userEmail: "u1@example.com" });
    expect((await first.emails({ userId: "u1" })).map((e) => [e.template, e.subject])).toEqual([
      ["note", "A note"],
    ]);
    await first.advance(hours(1));
    expect((await first.runs({ userId: "u1" }))[0]?.status).toBe("completed");

    // Two at once (as parallel test files would), each with its own database.
    const again = Date.now();
    const [second, third] = await Promise.all([
      createJourneyHarness({ journeys: [journey], templates: [note], dataDir }),
      createJourneyHarness({ journeys: [journey], templates: [note], dataDir }),
    ]);
    const warmMs = Date.now() - again;
    expect(await second.runs()).toEqual([]);
    await third.send({ event: "user.created", userId: "u3", userEmail: "u3@example.com" });
    expect(await second.runs()).toEqual([]);
    expect(await third.runs()).toHaveLength(1);
    const databases = await Promise.all(
      [first, second, third].map(
        async (h) => (await h.db.query<{ d: string }>("SELECT current_database() AS d")).rows[0]?.d,
      ),
    );
    expect(new Set(databases).size).toBe(3);
    await Promise.all([first.close(), second.close(), third.close()]);
    // The next harness (a rerun) reuses the running cluster.
    const rerun = await createJourneyHarness({ journeys: [journey], templates: [note], dataDir });
    expect(await rerun.runs()).toEqual([]);
    await rerun.close();
    expect(warmMs).toBeLessThan(Math.max(coldMs, 5_000));
  }, 120_000);
});
