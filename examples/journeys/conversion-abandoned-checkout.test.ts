import { days, hours } from "hogsend";
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDeliverability } from "../../src/email/suppression/check-deliverability.js";
import { setCategoryUnsubscribe } from "../../src/email/unsubscribe/preference-store.js";
import { composedHeaders, journeyEmails } from "../../test/helpers/journey-emails.js";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { templates } from "../emails/index.js";
import { Events, Templates } from "./constants/index.js";
import { conversionAbandonedCheckout } from "./conversion-abandoned-checkout.js";

let database: TestDatabase;
let h: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({
    databaseUrl: database.url,
    templates,
    journeys: [conversionAbandonedCheckout],
  });
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

const NUDGE = "You left something behind";
const OFFER = "Still interested? Here's 10% off";
const DAY = 86_400_000;

describe("conversion-abandoned-checkout", () => {
  it("nudges at once and offers 10% a day later when they did not come back", async () => {
    const t0 = h.clock.now().getTime();
    await h.send({ event: Events.CHECKOUT_ABANDONED, userId: "cart1", userEmail: "cart1@example.com" });
    await h.advance(days(1));
    const emails = await journeyEmails(h.db, "cart1");
    expect(emails.map((e) => [e.to, e.template, e.subject, e.props, e.at])).toEqual([
      ["cart1@example.com", Templates.CONVERSION_WINBACK_OFFER, NUDGE, {}, new Date(t0).toISOString()],
      [
        "cart1@example.com",
        Templates.CONVERSION_WINBACK_OFFER,
        OFFER,
        { discountPercent: 10 },
        new Date(t0 + DAY).toISOString(),
      ],
    ]);
    for (const email of emails) {
      expect(email.category).toBe("marketing");
      const headers = await composedHeaders(email);
      expect(headers["List-Unsubscribe"]).toMatch(/^<https:\/\/hogsend\.example\.com\/u\/[\w-]+\.[\w-]+>$/);
      expect(headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    }
    expect((await h.runs({ userId: "cart1" }))[0]?.status).toBe("completed");
  });

  it("exits on checkout.completed during the wait: no offer", async () => {
    await h.send({ event: Events.CHECKOUT_ABANDONED, userId: "bought", userEmail: "bought@example.com" });
    await h.advance(hours(3));
    await h.send({ event: Events.CHECKOUT_COMPLETED, userId: "bought" });
    await h.advance(days(2));
    expect((await journeyEmails(h.db, "bought")).map((e) => e.subject)).toEqual([NUDGE]);
    expect((await h.runs({ userId: "bought" }))[0]?.status).toBe("exited");
  });

  it("exits on user.deleted", async () => {
    await h.send({ event: Events.CHECKOUT_ABANDONED, userId: "del", userEmail: "del@example.com" });
    await h.send({ event: Events.USER_DELETED, userId: "del" });
    await h.advance(days(2));
    expect((await journeyEmails(h.db, "del")).map((e) => e.subject)).toEqual([NUDGE]);
  });

  it("skips the offer when a purchase within the day was already recorded", async () => {
    // The completion was stored before the abandonment was processed, so there was no run to exit; the day-1
    // history check finds it.
    await h.send({ event: Events.CHECKOUT_COMPLETED, userId: "early" });
    await h.send({ event: Events.CHECKOUT_ABANDONED, userId: "early", userEmail: "early@example.com" });
    await h.advance(days(2));
    expect((await journeyEmails(h.db, "early")).map((e) => e.subject)).toEqual([NUDGE]);
    expect((await h.runs({ userId: "early" }))[0]?.status).toBe("completed");
  });

  it("queues the offer for a user who left marketing mail, and delivery refuses it", async () => {
    await h.send({ event: Events.CHECKOUT_ABANDONED, userId: "optout", userEmail: "optout@example.com" });
    await setCategoryUnsubscribe(
      h.db,
      { userId: "optout", email: "optout@example.com", category: "marketing" },
      "marketing",
      h.clock.now(),
    );
    await h.advance(days(1));
    const emails = await journeyEmails(h.db, "optout");
    expect(emails.map((e) => e.subject)).toEqual([NUDGE, OFFER]);
    expect(
      await checkDeliverability(h.db, {
        email: emails[1]!.to,
        userId: "optout",
        category: emails[1]!.category,
      }),
    ).toEqual({ ok: false, reason: "category_unsubscribed:marketing" });
  });

  it("allows one entry per seven days", async () => {
    await h.send({ event: Events.CHECKOUT_ABANDONED, userId: "repeat", userEmail: "repeat@example.com" });
    await h.advance(days(2));
    await h.send({ event: Events.CHECKOUT_ABANDONED, userId: "repeat", userEmail: "repeat@example.com" });
    expect(await h.runs({ userId: "repeat" })).toHaveLength(1);
    await h.advance(days(6));
    await h.send({ event: Events.CHECKOUT_ABANDONED, userId: "repeat", userEmail: "repeat@example.com" });
    expect(await h.runs({ userId: "repeat" })).toHaveLength(2);
  });
});
