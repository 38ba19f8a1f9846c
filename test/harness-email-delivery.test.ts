import { createElement } from "react";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTemplate, sendEmail } from "../src/email/index.js";
import { defineJourney, hours, minutes } from "../src/index.js";
import {
  createJourneyHarness,
  type EmailProvider,
  type JourneyHarness,
  type OutgoingEmail,
  type SendResult,
} from "../src/testing/index.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const hello = defineTemplate({
  key: "hello",
  category: "transactional",
  subject: "Hello",
  props: z.object({}),
  component: () => createElement("p", null, "hello"),
});

const welcome = defineJourney({
  meta: {
    id: "welcome-delivery",
    name: "Welcome",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "once",
    suppress: hours(0),
  },
  run: async (user) => {
    await sendEmail({ to: user.email, userId: user.id, template: "hello" });
  },
});

/** The port as a user's test writes it: answers from a script, records every call with the virtual time. */
function scriptedProvider(clockNow: () => Date, ...answers: SendResult[]) {
  const calls: Array<{ email: OutgoingEmail; at: Date }> = [];
  const provider: EmailProvider = {
    name: "resend",
    async send(email) {
      calls.push({ email, at: clockNow() });
      return answers.shift() ?? { ok: true, providerMessageId: `p-${calls.length}` };
    },
  };
  return { provider, calls };
}

let database: TestDatabase;
let h: JourneyHarness | undefined;
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

describe("the harness delivers email on its virtual clock", () => {
  it("sends at once, and a provider's Retry-After is honoured when advance() passes it, not before", async () => {
    database = await createTestDatabase();
    let now = () => new Date();
    const script = scriptedProvider(() => now(), {
      ok: false,
      retryable: true,
      reason: "429 slow down",
      retryAfterMs: 10 * 60_000,
    });
    h = await createJourneyHarness({
      databaseUrl: database.url,
      journeys: [welcome],
      templates: [hello],
      emailProvider: script.provider,
    });
    const harness = h;
    now = () => harness.clock.now();
    const start = harness.clock.now();

    await harness.send({ event: "user.created", userId: "u1", userEmail: "u1@example.com" });
    expect(script.calls).toHaveLength(1);
    expect((await harness.emails({ userId: "u1" }))[0]?.status).toBe("queued");

    await harness.advance(minutes(9));
    expect(script.calls).toHaveLength(1);

    await harness.advance(minutes(2));
    expect(script.calls).toHaveLength(2);
    // Retried exactly when due on the virtual clock: ten minutes after the first attempt.
    expect(script.calls[1]!.at.getTime() - start.getTime()).toBe(10 * 60_000);
    expect(script.calls[1]!.email.messageId).toBe(script.calls[0]!.email.messageId);
    expect((await harness.emails({ userId: "u1" }))[0]?.status).toBe("sent");
  });
});
