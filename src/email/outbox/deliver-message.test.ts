import { describe, expect, it } from "vitest";
import { exampleTemplates } from "../../../test/helpers/example-templates.js";
import { loadConfig } from "../../config.js";
import type { Queryable } from "../../db/database.js";
import type { EmailProvider, OutgoingEmail, SendResult } from "../providers/email-provider.js";
import { createTemplateRenderer } from "../templates/render-template.js";
import { deliverMessage } from "./deliver-message.js";
import type { ClaimedMessage } from "./message-store.js";
import { createRateLimiter } from "./rate-limiter.js";

const config = loadConfig({ NODE_ENV: "test", EMAIL_MAX_ATTEMPTS: "3", EMAIL_RETRY_BASE_MS: "1000" });
// Without a policy check nothing reads the database; a query would be a bug in what is tested here.
const noDatabase: Queryable = {
  query: () => Promise.reject(new Error("deliverMessage queried the database without a policy check")),
};

/** A provider answering from a script, recording what it was handed. */
function scriptedProvider(...answers: Array<SendResult | Error>): EmailProvider & { sent: OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  return {
    name: "resend",
    sent,
    async send(email) {
      sent.push(email);
      const answer = answers.shift() ?? { ok: true, providerMessageId: "p-default" };
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const message = (overrides: Partial<ClaimedMessage> = {}): ClaimedMessage => ({
  id: "0190a2b4-0000-7000-8000-000000000001",
  toEmail: "ada@example.com",
  fromEmail: null,
  userId: "u1",
  template: "activation/welcome",
  subject: "Welcome",
  category: "transactional",
  props: { firstName: "Ada" },
  attempts: 1,
  ...overrides,
});

const deliver = (claimed: ClaimedMessage, provider: EmailProvider) =>
  deliverMessage(claimed, false, undefined, {
    db: noDatabase,
    config,
    render: createTemplateRenderer(exampleTemplates),
    provider,
    limiter: createRateLimiter(0),
  });

describe("deliverMessage", () => {
  it("composes and sends, keeping what was sent for the record", async () => {
    const provider = scriptedProvider({ ok: true, providerMessageId: "re_123" });
    const outcome = await deliver(message(), provider);
    expect(outcome).toMatchObject({ kind: "sent", provider: "resend", providerMessageId: "re_123" });
    expect(provider.sent[0]?.messageId).toBe(message().id);
    expect(provider.sent[0]?.html).toContain("Ada");
    expect(outcome.kind === "sent" && outcome.headers["Message-ID"]).toMatch(/^<0190a2b4-.+@/);
  });

  it("retries a retryable failure after the provider's Retry-After, else after the backoff", async () => {
    const withRetryAfter = await deliver(
      message(),
      scriptedProvider({ ok: false, retryable: true, reason: "429", retryAfterMs: 7_000 }),
    );
    expect(withRetryAfter).toMatchObject({ kind: "retry", delayMs: 7_000, error: "429" });
    const backoff = await deliver(message({ attempts: 2 }), scriptedProvider(new Error("socket hang up")));
    expect(backoff).toMatchObject({ kind: "retry", error: "provider threw: socket hang up" });
    expect(backoff.kind === "retry" && backoff.delayMs).toBeGreaterThan(0);
  });

  it("fails a permanent error at once, and a retryable one once the attempts are used up", async () => {
    expect(
      await deliver(message(), scriptedProvider({ ok: false, retryable: false, reason: "422 invalid to" })),
    ).toMatchObject({ kind: "failed", error: "422 invalid to" });
    expect(
      await deliver(
        message({ attempts: 3 }),
        scriptedProvider({ ok: false, retryable: true, reason: "503" }),
      ),
    ).toMatchObject({ kind: "failed", error: "503 (gave up after 3 attempts)" });
  });

  it("fails a message whose template or props cannot render, without calling the provider", async () => {
    const provider = scriptedProvider();
    expect(await deliver(message({ template: "no/such-template" }), provider)).toMatchObject({
      kind: "failed",
      error: expect.stringContaining("no/such-template"),
    });
    expect(provider.sent).toHaveLength(0);
  });
});
