import { days, hours } from "hogsend";
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composedHeaders, journeyEmails } from "../../test/helpers/journey-emails.js";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { templates } from "../emails/index.js";
import { activationWelcome } from "./activation-welcome.js";
import { Events, Templates } from "./constants/index.js";

let database: TestDatabase;
let h: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({ databaseUrl: database.url, templates, journeys: [activationWelcome] });
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

const WELCOME_SUBJECT = "Welcome to Hogsend — let's get you set up";
const summary = async (userId: string) =>
  (await journeyEmails(h.db, userId)).map((e) => ({
    to: e.to,
    template: e.template,
    subject: e.subject,
    at: e.at,
  }));

describe("activation-welcome", () => {
  it("welcomes at once and nudges two days later when the key feature was not used", async () => {
    const start = h.clock.now().getTime();
    await h.send({ event: Events.USER_CREATED, userId: "nudge", userEmail: "nudge@example.com" });
    expect(await summary("nudge")).toEqual([
      {
        to: "nudge@example.com",
        template: Templates.ACTIVATION_WELCOME,
        subject: WELCOME_SUBJECT,
        at: new Date(start).toISOString(),
      },
    ]);
    await h.advance(days(2));
    const emails = await journeyEmails(h.db, "nudge");
    expect(emails.map((e) => [e.template, e.subject, e.at])).toEqual([
      [Templates.ACTIVATION_WELCOME, WELCOME_SUBJECT, new Date(start).toISOString()],
      [
        Templates.ACTIVATION_NUDGE,
        "You haven't tried the key feature yet",
        new Date(start + 2 * 86_400_000).toISOString(),
      ],
    ]);
    expect(emails.every((e) => e.status === "queued" && e.journeyId === "activation-welcome")).toBe(true);
    // Product mail: one-click unsubscribe headers pointing at this deployment.
    const headers = await composedHeaders(emails[1]!);
    expect(headers["List-Unsubscribe"]).toMatch(/^<https:\/\/hogsend\.example\.com\/u\/[\w-]+\.[\w-]+>$/);
    expect(headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect((await h.runs({ userId: "nudge" }))[0]?.status).toBe("completed");
  });

  it("sends the advanced tips instead when the feature was used during the wait", async () => {
    await h.send({ event: Events.USER_CREATED, userId: "power", userEmail: "power@example.com" });
    await h.advance(hours(30));
    await h.send({ event: Events.FEATURE_USED, userId: "power" });
    await h.advance(hours(18));
    expect((await summary("power")).map((e) => [e.template, e.subject])).toEqual([
      [Templates.ACTIVATION_WELCOME, WELCOME_SUBJECT],
      [Templates.ACTIVATION_ADVANCED, "Nice work — here's what to try next"],
    ]);
  });

  it("stops on user.deleted during the wait: nothing after the welcome", async () => {
    await h.send({ event: Events.USER_CREATED, userId: "gone", userEmail: "gone@example.com" });
    await h.advance(hours(6));
    await h.send({ event: Events.USER_DELETED, userId: "gone" });
    await h.advance(days(3));
    expect((await summary("gone")).map((e) => e.template)).toEqual([Templates.ACTIVATION_WELCOME]);
    expect((await h.runs({ userId: "gone" }))[0]?.status).toBe("exited");
  });

  it("enrolls a user once: a second user.created sends nothing", async () => {
    await h.send({ event: Events.USER_CREATED, userId: "twice", userEmail: "twice@example.com" });
    await h.advance(days(3));
    await h.send({ event: Events.USER_CREATED, userId: "twice", userEmail: "twice@example.com" });
    await h.advance(days(3));
    expect((await summary("twice")).map((e) => e.template)).toEqual([
      Templates.ACTIVATION_WELCOME,
      Templates.ACTIVATION_NUDGE,
    ]);
    expect((await h.skips("activation-welcome")).already_entered_once).toBeGreaterThanOrEqual(1);
  });

  it("does not enroll a user who unsubscribed from everything", async () => {
    await h.db.query(
      "INSERT INTO contacts (user_id, email, unsubscribed_at) VALUES ('unsub', 'unsub@example.com', now())",
    );
    await h.send({ event: Events.USER_CREATED, userId: "unsub", userEmail: "unsub@example.com" });
    expect(await summary("unsub")).toEqual([]);
    expect(await h.runs({ userId: "unsub" })).toEqual([]);
    expect((await h.skips("activation-welcome")).user_unsubscribed).toBeGreaterThanOrEqual(1);
  });
});
