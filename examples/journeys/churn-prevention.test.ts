import { days, hours } from "hogsend";
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDeliverability } from "../../src/email/suppression/check-deliverability.js";
import { composedHeaders, journeyEmails } from "../../test/helpers/journey-emails.js";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { templates } from "../emails/index.js";
import { churnPrevention } from "./churn-prevention.js";
import { Events, Templates } from "./constants/index.js";

let database: TestDatabase;
let h: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({ databaseUrl: database.url, templates, journeys: [churnPrevention] });
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

const FIRST = "Your payment didn't go through";
const REMINDER = "Reminder: please update your payment method";
const FINAL = "Final notice: your account will be downgraded tomorrow";
const DAY = 86_400_000;

const sent = async (userId: string) =>
  (await journeyEmails(h.db, userId)).map((e) => ({
    template: e.template,
    subject: e.subject,
    props: e.props,
    dayOffset: e.at,
  }));

describe("churn-prevention", () => {
  it("escalates over three days when the payment is never fixed", async () => {
    const t0 = h.clock.now().getTime();
    await h.send({ event: Events.PAYMENT_FAILED, userId: "never", userEmail: "never@example.com" });
    await h.advance(days(3));
    const emails = await journeyEmails(h.db, "never");
    expect(emails.map((e) => [e.to, e.template, e.subject, e.props, e.at])).toEqual([
      ["never@example.com", Templates.CHURN_PAYMENT_FAILED, FIRST, {}, new Date(t0).toISOString()],
      [
        "never@example.com",
        Templates.CHURN_PAYMENT_FAILED,
        REMINDER,
        { gracePeriodDays: 2 },
        new Date(t0 + DAY).toISOString(),
      ],
      [
        "never@example.com",
        Templates.CHURN_PAYMENT_FAILED,
        FINAL,
        { gracePeriodDays: 1 },
        new Date(t0 + 3 * DAY).toISOString(),
      ],
    ]);
    // Payment problems are transactional: no unsubscribe headers, and a global unsubscribe does not stop them.
    expect(emails[0]?.category).toBe("transactional");
    expect((await composedHeaders(emails[0]!))["List-Unsubscribe"]).toBeUndefined();
    await h.db.query("UPDATE contacts SET unsubscribed_at = now() WHERE user_id = 'never'");
    expect(
      await checkDeliverability(h.db, {
        email: "never@example.com",
        userId: "never",
        category: "transactional",
      }),
    ).toEqual({ ok: true });
    expect(
      await checkDeliverability(h.db, { email: "never@example.com", userId: "never", category: "marketing" }),
    ).toEqual({ ok: false, reason: "unsubscribed" });
    expect((await h.runs({ userId: "never" }))[0]?.status).toBe("completed");
  });

  it("exits on payment.succeeded during the first wait: only the first email", async () => {
    await h.send({ event: Events.PAYMENT_FAILED, userId: "fixed1", userEmail: "fixed1@example.com" });
    await h.advance(hours(5));
    await h.send({ event: Events.PAYMENT_SUCCEEDED, userId: "fixed1" });
    await h.advance(days(4));
    expect((await sent("fixed1")).map((e) => e.subject)).toEqual([FIRST]);
    expect((await h.runs({ userId: "fixed1" }))[0]?.status).toBe("exited");
  });

  it("exits on payment.succeeded before the final notice: first email and reminder only", async () => {
    await h.send({ event: Events.PAYMENT_FAILED, userId: "fixed2", userEmail: "fixed2@example.com" });
    await h.advance(days(2));
    await h.send({ event: Events.PAYMENT_SUCCEEDED, userId: "fixed2" });
    await h.advance(days(2));
    expect((await sent("fixed2")).map((e) => e.subject)).toEqual([FIRST, REMINDER]);
    expect((await h.runs({ userId: "fixed2" }))[0]?.status).toBe("exited");
  });

  it("exits on subscription.cancelled and on user.deleted", async () => {
    for (const [userId, exit] of [
      ["cancelled", Events.SUBSCRIPTION_CANCELLED],
      ["deleted", Events.USER_DELETED],
    ] as const) {
      await h.send({ event: Events.PAYMENT_FAILED, userId, userEmail: `${userId}@example.com` });
      await h.advance(days(1) /* the reminder goes out */);
      await h.send({ event: exit, userId });
      await h.advance(days(3));
      expect((await sent(userId)).map((e) => e.subject)).toEqual([FIRST, REMINDER]);
      expect((await h.runs({ userId }))[0]?.status).toBe("exited");
    }
  });

  it("returns early at day 1 when a success was already recorded (arrived before the failure was processed)", async () => {
    // Out-of-order delivery: the retry's success is stored first, so no run is active to exit; the failure
    // then starts the journey, and the day-1 history check finds the success within the last day.
    await h.send({ event: Events.PAYMENT_SUCCEEDED, userId: "raced" });
    await h.send({ event: Events.PAYMENT_FAILED, userId: "raced", userEmail: "raced@example.com" });
    await h.advance(days(4));
    expect((await sent("raced")).map((e) => e.subject)).toEqual([FIRST]);
    expect((await h.runs({ userId: "raced" }))[0]?.status).toBe("completed");
  });

  it("re-enters only after the seven-day entry period", async () => {
    await h.send({ event: Events.PAYMENT_FAILED, userId: "again", userEmail: "again@example.com" });
    await h.advance(days(5));
    await h.send({ event: Events.PAYMENT_FAILED, userId: "again", userEmail: "again@example.com" });
    expect(await h.runs({ userId: "again" })).toHaveLength(1);
    expect((await h.skips("churn-prevention")).period_not_elapsed).toBeGreaterThanOrEqual(1);
    await h.advance(days(3));
    await h.send({ event: Events.PAYMENT_FAILED, userId: "again", userEmail: "again@example.com" });
    expect(await h.runs({ userId: "again" })).toHaveLength(2);
    expect((await sent("again")).map((e) => e.subject)).toEqual([FIRST, REMINDER, FINAL, FIRST]);
  });
});
