import { describe, expect, it } from "vitest";
import { Templates } from "../examples/journeys/constants/index.js";
import journeys from "../examples/journeys/index.js";
import { sendEmail } from "../src/email/send-email.js";
import { assertJourneyTemplatesExist } from "../src/email/templates/assert-journey-templates-exist.js";
import { ErrorCodes, HogsendError } from "../src/errors.js";
import { defineJourney } from "../src/journeys/define-journey.js";
import { createJourneyHarness } from "../src/testing/journey-harness.js";
import { exampleTemplates } from "./helpers/example-templates.js";

const journeyWith = (id: string, run: Parameters<typeof defineJourney>[0]["run"]) =>
  defineJourney({
    meta: {
      id,
      name: id,
      enabled: true,
      trigger: { event: "x" },
      entryLimit: "unlimited",
      suppress: { hours: 1 },
    },
    run,
  });

describe("assertJourneyTemplatesExist", () => {
  it("accepts the bundled example journeys", () => {
    expect(() => assertJourneyTemplatesExist(journeys, exampleTemplates)).not.toThrow();
  });

  it("names the journey and the mistyped literal key", () => {
    const typo = journeyWith("typo", async (user) => {
      await sendEmail({
        to: user.email ?? "",
        userId: user.id,
        template: "activation/welcom",
        subject: "Hi",
      });
    });
    const fine = journeyWith("fine", async (user, ctx) => {
      await sendEmail({
        to: user.email ?? "",
        userId: user.id,
        template: Templates.ACTIVATION_WELCOME,
        subject: "Hi",
      });
      await sendEmail({ to: user.email ?? "", userId: user.id, template: "activation/nudge", subject: "Hi" });
      await ctx.history.email({ email: user.email ?? "", template: "retired/template" });
    });
    let caught: unknown;
    try {
      assertJourneyTemplatesExist([fine, typo], exampleTemplates);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HogsendError);
    expect((caught as HogsendError).code).toBe(ErrorCodes.TEMPLATE_NOT_FOUND);
    expect((caught as HogsendError).message).toContain(
      'journey "typo" sends unknown template "activation/welcom"',
    );
    expect((caught as HogsendError).message).not.toContain('"fine"');
  });

  it("stops the test harness before it touches the database", async () => {
    const typo = journeyWith("typo", async (user) => {
      await sendEmail({
        to: user.email ?? "",
        userId: user.id,
        template: "churn-payment-faild",
        subject: "Hi",
      });
    });
    await expect(
      createJourneyHarness({
        databaseUrl: "postgres://127.0.0.1:1/unreachable",
        journeys: [typo],
        templates: exampleTemplates,
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.TEMPLATE_NOT_FOUND });
  });
});
