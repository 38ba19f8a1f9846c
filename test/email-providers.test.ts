import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaptureProvider } from "../src/email/providers/capture-provider.js";
import type { EmailProvider, OutgoingEmail } from "../src/email/providers/email-provider.js";
import { createPostmarkProvider } from "../src/email/providers/postmark-provider.js";
import { createResendProvider } from "../src/email/providers/resend-provider.js";
import { createSmtpProvider } from "../src/email/providers/smtp-provider.js";
import { FakePostmarkServer } from "./helpers/fake-postmark-server.js";
import { FakeResendServer } from "./helpers/fake-resend-server.js";
import { FakeSmtpServer } from "./helpers/fake-smtp-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/** What the contract needs to know about one adapter and the (local, real-protocol) service behind it. */
interface AdapterFixture {
  name: EmailProvider["name"];
  start(): Promise<void>;
  stop(): Promise<void>;
  provider(options?: { badCredentials?: boolean }): EmailProvider;
  /** The emails the service accepted, normalised. */
  received(): Array<{
    from: string;
    to: string;
    subject: string;
    html: string;
    text: string;
    messageId: string;
  }>;
  /** Scripts the next call: undefined when the service has no such failure mode. */
  fail?: { serverError(): void; rateLimited(): void };
  /** Milliseconds the service asks us to wait on a rate limit, when it says. */
  retryAfterMs?: number;
}

const resend = new FakeResendServer();
const postmark = new FakePostmarkServer();
const smtp = new FakeSmtpServer();
let database: TestDatabase;

const fixtures: AdapterFixture[] = [
  {
    name: "resend",
    start: async () => void (await resend.start()),
    stop: () => resend.stop(),
    provider: (o) =>
      createResendProvider({
        apiKey: o?.badCredentials ? "re_wrong" : resend.apiKey,
        baseUrl: resend.baseUrl,
        timeoutMs: 5_000,
      }),
    received: () =>
      resend.accepted.map(({ body }) => ({
        from: body.from,
        to: String(body.to),
        subject: body.subject,
        html: body.html ?? "",
        text: body.text ?? "",
        messageId: body.headers?.["Message-ID"] ?? "",
      })),
    fail: {
      serverError: () => resend.failNext({ status: 503 }),
      rateLimited: () => resend.failNext({ status: 429, retryAfterSeconds: 7 }),
    },
    retryAfterMs: 7_000,
  },
  {
    name: "postmark",
    start: async () => void (await postmark.start()),
    stop: () => postmark.stop(),
    provider: (o) =>
      createPostmarkProvider({
        serverToken: o?.badCredentials ? "wrong" : postmark.serverToken,
        messageStream: "outbound",
        requestHost: postmark.host,
        useHttps: false,
        timeoutMs: 5_000,
      }),
    received: () =>
      postmark.received.map((m) => ({
        from: m.From,
        to: m.To,
        subject: m.Subject,
        html: m.HtmlBody ?? "",
        text: m.TextBody ?? "",
        messageId: m.Headers?.find((h) => h.Name === "Message-ID")?.Value ?? "",
      })),
    fail: {
      serverError: () => postmark.failNext({ status: 500 }),
      rateLimited: () => postmark.failNext({ status: 429 }),
    },
  },
  {
    name: "smtp",
    start: async () => void (await smtp.start()),
    stop: () => smtp.stop(),
    provider: (o) =>
      createSmtpProvider({
        url: o?.badCredentials ? smtp.url({ user: smtp.user, pass: "wrong" }) : smtp.url(),
        timeoutMs: 5_000,
      }),
    received: () =>
      smtp.received.map((m) => ({
        from: m.from?.text ?? "",
        to: Array.isArray(m.to) ? m.to.map((a) => a.text).join(",") : (m.to?.text ?? ""),
        subject: m.subject ?? "",
        html: typeof m.html === "string" ? m.html : "",
        text: m.text ?? "",
        messageId: m.messageId ?? "",
      })),
    fail: { serverError: () => smtp.failNext(451), rateLimited: () => smtp.failNext(421) },
  },
  {
    name: "capture",
    start: async () => {},
    stop: async () => {},
    provider: () => createCaptureProvider(database.db),
    received: () => captured,
  },
];

let captured: ReturnType<AdapterFixture["received"]> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await Promise.all(fixtures.map((f) => f.start()));
});
afterAll(async () => {
  await Promise.all(fixtures.map((f) => f.stop()));
  await database.drop();
});

let counter = 0;
function email(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  counter++;
  const messageId = `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`;
  return {
    messageId,
    from: "Hogsend <hello@example.com>",
    to: `user${counter}@example.com`,
    subject: `Subject ${counter}`,
    html: `<html><body><p>Hello number ${counter}</p></body></html>`,
    text: `Hello number ${counter}`,
    headers: { "Message-ID": `<${messageId}@example.com>`, "X-Hogsend-Message-Id": messageId },
    ...overrides,
  };
}

describe.each(fixtures)("email provider contract: $name", (fixture) => {
  const refreshCaptured = async () => {
    if (fixture.name !== "capture") return;
    const rows = await database.db.query(
      "SELECT to_email, from_email, subject, html, text_body, headers FROM captured_emails ORDER BY id",
    );
    captured = rows.rows.map((r) => ({
      from: r.from_email,
      to: r.to_email,
      subject: r.subject,
      html: r.html,
      text: r.text_body,
      messageId: r.headers["Message-ID"],
    }));
  };

  it("delivers from, to, subject, both bodies and our Message-ID", async () => {
    const provider = fixture.provider();
    const sent = email();
    const result = await provider.send(sent);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.providerMessageId).toMatch(/\S/);
    await refreshCaptured();
    const got = fixture.received().find((r) => r.subject === sent.subject);
    expect(got).toBeDefined();
    expect(got?.to).toContain(sent.to);
    expect(got?.from).toContain("hello@example.com");
    expect(got?.html).toContain(`Hello number ${counter}`);
    expect(got?.text).toContain(`Hello number ${counter}`);
    expect(got?.messageId).toBe(`<${sent.messageId}@example.com>`);
    await provider.close?.();
  });

  it("reports a bad address as a non-retryable failure", async () => {
    if (fixture.name === "capture") return expect(fixture.fail).toBeUndefined();
    const provider = fixture.provider();
    const result = await provider.send(email({ to: "invalid-address@example.com" }));
    expect(result).toMatchObject({ ok: false, retryable: false });
    await provider.close?.();
  });

  it("reports bad credentials as a non-retryable failure", async () => {
    if (fixture.name === "capture") return expect(fixture.fail).toBeUndefined();
    const provider = fixture.provider({ badCredentials: true });
    const result = await provider.send(email());
    expect(result).toMatchObject({ ok: false, retryable: false });
    if (!result.ok) expect(result.reason).toMatch(/401|535|code 10/);
    await provider.close?.();
  });

  it("reports a server error as retryable", async () => {
    if (!fixture.fail) return expect(fixture.name).toBe("capture");
    const provider = fixture.provider();
    fixture.fail.serverError();
    const result = await provider.send(email());
    expect(result).toMatchObject({ ok: false, retryable: true });
    await provider.close?.();
  });

  it("reports a rate limit as retryable, with Retry-After where the service sends it", async () => {
    if (!fixture.fail) return expect(fixture.name).toBe("capture");
    const provider = fixture.provider();
    fixture.fail.rateLimited();
    const result = await provider.send(email());
    expect(result).toMatchObject({ ok: false, retryable: true });
    if (fixture.retryAfterMs !== undefined && !result.ok)
      expect(result.retryAfterMs).toBe(fixture.retryAfterMs);
    await provider.close?.();
  });

  it("a retry of the same message is not a second email where the service has idempotency", async () => {
    const provider = fixture.provider();
    const sent = email();
    const first = await provider.send(sent);
    const second = await provider.send(sent);
    expect(first.ok && second.ok).toBe(true);
    await refreshCaptured();
    const copies = fixture.received().filter((r) => r.subject === sent.subject).length;
    // Resend and capture honour the key; Postmark and SMTP cannot, which is why Message-ID is stable.
    expect(copies).toBe(fixture.name === "resend" || fixture.name === "capture" ? 1 : 2);
    if (first.ok && second.ok && (fixture.name === "resend" || fixture.name === "capture")) {
      expect(second.providerMessageId).toBe(first.providerMessageId);
    }
    await provider.close?.();
  });
});

describe("resend adapter details", () => {
  it("sends the message id as Idempotency-Key and treats a network failure as retryable", async () => {
    const provider = createResendProvider({
      apiKey: resend.apiKey,
      baseUrl: resend.baseUrl,
      timeoutMs: 5_000,
    });
    const sent = email();
    await provider.send(sent);
    expect(resend.requests.at(-1)?.idempotencyKey).toBe(sent.messageId);
    const unreachable = createResendProvider({
      apiKey: "re_x",
      baseUrl: "http://127.0.0.1:9",
      timeoutMs: 1_000,
    });
    expect(await unreachable.send(email())).toMatchObject({ ok: false, retryable: true });
  });

  it("treats a timeout as retryable", async () => {
    const slow = await new FakeResendServer({ latencyMs: 1_500 }).start();
    try {
      const provider = createResendProvider({ apiKey: slow.apiKey, baseUrl: slow.baseUrl, timeoutMs: 200 });
      expect(await provider.send(email())).toMatchObject({ ok: false, retryable: true });
    } finally {
      await slow.stop();
    }
  });
});
