import { describe, expect, it } from "vitest";
import { parseResendWebhook } from "./parse-resend-webhook.js";

describe("parseResendWebhook", () => {
  it("maps bounce.type Permanent to hard and anything else to soft", () => {
    const kind = (type: string) =>
      parseResendWebhook({
        type: "email.bounced",
        created_at: "2026-11-23T10:00:00Z",
        data: { email_id: "re_1", to: ["a@example.com"], bounce: { type, subType: "General", message: "m" } },
      })[0]?.bounceKind;
    expect(kind("Permanent")).toBe("hard");
    expect(kind("Transient")).toBe("soft");
    expect(kind("Undetermined")).toBe("soft");
  });

  it("gives one outcome per recipient and finds our id in tags of either shape or in headers", () => {
    const base = { type: "email.delivered", created_at: "2026-11-23T10:00:00Z" };
    const asObject = parseResendWebhook({
      ...base,
      data: { email_id: "re_1", to: ["a@example.com", "b@example.com"], tags: { hogsend_message_id: "m1" } },
    });
    expect(asObject.map((o) => [o.email, o.hogsendMessageId, o.providerMessageId])).toEqual([
      ["a@example.com", "m1", "re_1"],
      ["b@example.com", "m1", "re_1"],
    ]);
    const asPairs = parseResendWebhook({
      ...base,
      data: { email_id: "re_2", to: ["a@example.com"], tags: [{ name: "hogsend_message_id", value: "m2" }] },
    });
    expect(asPairs[0]?.hogsendMessageId).toBe("m2");
    const inHeaders = parseResendWebhook({
      ...base,
      data: {
        email_id: "re_3",
        to: ["a@example.com"],
        headers: [{ name: "X-Hogsend-Message-Id", value: "m3" }],
      },
    });
    expect(inHeaders[0]?.hogsendMessageId).toBe("m3");
  });

  it("ignores event types it does not act on and malformed bodies", () => {
    for (const type of ["email.sent", "email.scheduled", "contact.created", undefined]) {
      expect(parseResendWebhook({ type, data: { to: ["a@example.com"] } })).toEqual([]);
    }
    expect(parseResendWebhook("nonsense")).toEqual([]);
  });
});
