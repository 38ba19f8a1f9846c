import { days, defineJourney, hours } from "hogsend";
import { sendEmail } from "hogsend/email";
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailWebhookRoutes } from "../src/api/email-webhook-routes.js";
import { loadConfig } from "../src/config.js";
import { createPolicyApi } from "./helpers/email-policy-api.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { journeyEmails } from "./helpers/journey-emails.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// A drip that stops when its email bounces, and a follow-up journey started by a click.
const drip = defineJourney({
  meta: {
    id: "drip",
    name: "Drip",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "once",
    suppress: hours(1),
    exitOn: [{ event: "email.bounced" }, { event: "email.complained" }],
  },
  run: async (user, ctx) => {
    await sendEmail({ to: user.email, userId: user.id, template: "activation/welcome", subject: "Day 0" });
    await ctx.sleep({ duration: days(1), label: "day-1" });
    await sendEmail({ to: user.email, userId: user.id, template: "activation/nudge", subject: "Day 1" });
  },
});
const clicked = defineJourney({
  meta: {
    id: "clicked-follow-up",
    name: "Clicked follow-up",
    enabled: true,
    trigger: { event: "email.clicked" },
    entryLimit: "unlimited",
    suppress: hours(0),
  },
  run: async (user, ctx) => {
    await ctx.trigger({ event: "follow_up.started", userId: user.id });
  },
});

const SECRET = "journeys-webhook-secret";
let database: TestDatabase;
let h: JourneyHarness;
let api: ReturnType<typeof createPolicyApi>;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({
    templates: exampleTemplates,
    databaseUrl: database.url,
    journeys: [drip, clicked],
  });
  const config = loadConfig({ NODE_ENV: "test", POSTMARK_WEBHOOK_SECRET: SECRET });
  api = createPolicyApi(h.db, [(context) => createEmailWebhookRoutes(context, { email: config.email })]);
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

async function postmark(record: Record<string, unknown>) {
  const res = await api.request("/v1/webhooks/postmark", {
    method: "POST",
    headers: { "content-type": "application/json", "x-hogsend-webhook-secret": SECRET },
    body: JSON.stringify(record),
  });
  expect(res.status).toBe(200);
  await h.drain();
}

describe("provider outcomes drive journeys", () => {
  it("a hard bounce exits the running journey and suppresses the address", async () => {
    await h.send({ event: "user.created", userId: "b1", userEmail: "b1@example.com" });
    const [first] = await journeyEmails(h.db, "b1");
    await postmark({
      RecordType: "Bounce",
      ID: 1,
      Type: "HardBounce",
      MessageID: "pm-b1",
      Email: "b1@example.com",
      BouncedAt: h.clock.now().toISOString(),
      Inactive: true,
      Metadata: { hogsend_message_id: first?.id },
    });
    await h.advance(days(2));
    expect((await journeyEmails(h.db, "b1")).map((e) => e.subject)).toEqual(["Day 0"]);
    expect((await h.runs({ journeyId: "drip", userId: "b1" }))[0]?.status).toBe("exited");
    const suppressed = await h.db.query("SELECT reason FROM suppressions WHERE email = 'b1@example.com'");
    expect(suppressed.rows).toEqual([{ reason: "hard_bounce" }]);
  });

  it("a click starts a journey triggered on email.clicked", async () => {
    await h.send({ event: "user.created", userId: "c1", userEmail: "c1@example.com" });
    const [first] = await journeyEmails(h.db, "c1");
    await postmark({
      RecordType: "Click",
      MessageID: "pm-c1",
      Recipient: "c1@example.com",
      ReceivedAt: h.clock.now().toISOString(),
      OriginalLink: "https://example.com/start",
      Metadata: { hogsend_message_id: first?.id },
    });
    expect(await h.events({ event: "follow_up.started", userId: "c1" })).toHaveLength(1);
    // A click is not an exit: the drip continues.
    await h.advance(days(1));
    expect((await journeyEmails(h.db, "c1")).map((e) => e.subject)).toEqual(["Day 0", "Day 1"]);
  });
});
