import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendEmail } from "../src/email/index.js";
import { days, defineJourney, hours } from "../src/index.js";
import { createJourneyHarness, type JourneyHarness } from "../src/testing/index.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/** What each sendEmail returned inside the journey, by user (collected on first execution and on replays). */
const results: Record<string, Array<{ status: string; reason?: string }>> = {};

const drip = defineJourney({
  meta: {
    id: "email-drip",
    name: "Email drip",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "unlimited",
    suppress: hours(12),
  },
  run: async (user, ctx) => {
    const send = async (template: string, subject: string) => {
      const result = await sendEmail({
        to: user.email,
        userId: user.id,
        template,
        subject,
        journeyName: user.journeyName,
      });
      const list = results[user.id] ?? [];
      list.push(result);
      results[user.id] = list;
    };
    await send("activation/welcome", "Welcome");
    await ctx.sleep({ duration: hours(1), label: "one-hour" });
    // One hour after the welcome: inside the 12 h window, so recorded as skipped and not sent.
    await send("activation/nudge", "Too soon");
    await ctx.sleep({ duration: hours(12), label: "half-day" });
    // 13 h after the welcome: outside the window again.
    await send("activation/advanced", "Later");
    const history = await ctx.history.email({ email: user.email, template: "activation/advanced" });
    if (!history.sent) throw new Error("history.email should see the queued message");
  },
});

const typo = defineJourney({
  meta: {
    id: "email-typo",
    name: "Template typo",
    enabled: true,
    trigger: { event: "typo.please" },
    entryLimit: "unlimited",
    suppress: hours(0),
  },
  run: async (user) => {
    // Computed at run time, so the load-time check (which reads literal keys) cannot see it.
    const template = ["activation", "welcom"].join("/");
    await sendEmail({ to: user.email, userId: user.id, template, subject: "Oops" });
  },
});

let database: TestDatabase;
let harness: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await createJourneyHarness({
    databaseUrl: database.url,
    journeys: [drip, typo],
    templates: exampleTemplates,
  });
});
afterAll(async () => {
  await harness?.close();
  await database?.drop();
});

async function messagesOf(userId: string) {
  const result = await harness.db.query(
    `SELECT template, subject, status, status_reason, run_id, run_position, journey_id, journey_name, created_at
       FROM messages WHERE user_id = $1 ORDER BY created_at, run_position`,
    [userId],
  );
  return result.rows;
}

describe("sendEmail inside a journey", () => {
  it("is recorded once per step, applies the suppress window on virtual time, and never repeats on replay", async () => {
    const start = harness.clock.now().getTime();
    await harness.send({ event: "user.created", userId: "u1", userEmail: "u1@example.com" });
    await harness.advance(days(1));
    const [run] = await harness.runs({ journeyId: "email-drip", userId: "u1" });
    expect(run?.status).toBe("completed");

    const rows = await messagesOf("u1");
    expect(rows.map((r) => [r.template, r.status, r.status_reason])).toEqual([
      ["activation/welcome", "queued", null],
      ["activation/nudge", "skipped", "suppress_window"],
      ["activation/advanced", "queued", null],
    ]);
    // Stamped with the engine clock, keyed by (run, position) of the journal entry.
    expect(rows.map((r) => (r.created_at as Date).getTime() - start)).toEqual([0, 3_600_000, 13 * 3_600_000]);
    expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set([run?.id]));
    expect(rows.every((r) => r.journey_id === "email-drip" && r.journey_name === "Email drip")).toBe(true);

    const journal = await harness.journal(run!.id);
    const emailEntries = journal.filter((e) => e.kind === "email");
    expect(emailEntries.map((e) => [e.label, e.position])).toEqual(
      rows.map((r) => [r.template, r.run_position]),
    );
    // Replays after each sleep returned the recorded results: the skip reason reached the journey every time.
    expect(
      results.u1?.filter((r) => r.status === "skipped").every((r) => r.reason === "suppress_window"),
    ).toBe(true);
    expect(results.u1?.length).toBeGreaterThan(3);
  });

  it("measures the window across runs of the same journey for the same user", async () => {
    await harness.send({ event: "user.created", userId: "u2", userEmail: "u2@example.com" });
    await harness.advance(days(1));
    // A second run at 24 h, 11 h after the first run's last send (13 h): its welcome is inside the window.
    // Its nudge at 25 h is 12 h after that last send: the window has passed, so it is queued.
    await harness.send({ event: "user.created", userId: "u2", userEmail: "u2@example.com" });
    await harness.advance(hours(2));
    const rows = await messagesOf("u2");
    expect(rows.map((r) => [r.template, r.status])).toEqual([
      ["activation/welcome", "queued"],
      ["activation/nudge", "skipped"],
      ["activation/advanced", "queued"],
      ["activation/welcome", "skipped"],
      ["activation/nudge", "queued"],
    ]);
  });

  it("fails the run without retries on an unknown template, naming it", async () => {
    await harness.send({ event: "typo.please", userId: "u3", userEmail: "u3@example.com" });
    await harness.advance(hours(1));
    const [run] = await harness.runs({ journeyId: "email-typo", userId: "u3" });
    expect(run?.status).toBe("failed");
    expect(run?.attempts).toBe(1);
    expect(run?.error).toMatch(/Unknown email template "activation\/welcom"/);
    expect(await messagesOf("u3")).toEqual([]);
  });
});
