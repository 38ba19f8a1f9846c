import { describe, expect, it } from "vitest";
import { parsePostmarkWebhook } from "./parse-postmark-webhook.js";

const bounce = (type: string, extra: Record<string, unknown> = {}) =>
  parsePostmarkWebhook({
    RecordType: "Bounce",
    ID: 7,
    Type: type,
    MessageID: "pm-1",
    Email: "x@example.com",
    BouncedAt: "2026-11-23T10:00:00Z",
    Inactive: false,
    ...extra,
  });

describe("parsePostmarkWebhook", () => {
  it("classifies bounce types as hard, soft or not a delivery failure", () => {
    expect(bounce("HardBounce")?.outcome?.bounceKind).toBe("hard");
    expect(bounce("BadEmailAddress")?.outcome?.bounceKind).toBe("hard");
    expect(bounce("SoftBounce")?.outcome?.bounceKind).toBe("soft");
    expect(bounce("Transient")?.outcome?.bounceKind).toBe("soft");
    expect(bounce("DnsError")?.outcome?.bounceKind).toBe("soft");
    expect(bounce("AutoResponder")?.outcome).toBeUndefined();
    expect(bounce("AddressChange")?.outcome).toBeUndefined();
    // Postmark deactivated the address: whatever the type, it will not accept mail there again.
    expect(bounce("Unknown", { Inactive: true })?.outcome?.bounceKind).toBe("hard");
    expect(bounce("SpamComplaint")?.outcome?.type).toBe("complained");
  });

  it("builds a stable delivery id per record so retries dedupe", () => {
    expect(bounce("HardBounce")?.deliveryId).toBe("Bounce:7");
    expect(bounce("HardBounce")?.deliveryId).toBe(bounce("HardBounce")?.deliveryId);
    const open = (at: string) =>
      parsePostmarkWebhook({
        RecordType: "Open",
        MessageID: "pm-1",
        Recipient: "x@example.com",
        ReceivedAt: at,
      });
    expect(open("2026-11-23T10:00:00Z")?.deliveryId).not.toBe(open("2026-11-23T10:01:00Z")?.deliveryId);
  });

  it("reads our message id from Metadata and the provider id from MessageID", () => {
    const parsed = bounce("HardBounce", { Metadata: { hogsend_message_id: "ours" } });
    expect(parsed?.outcome).toMatchObject({
      providerMessageId: "pm-1",
      hogsendMessageId: "ours",
      email: "x@example.com",
      occurredAt: new Date("2026-11-23T10:00:00Z"),
    });
  });

  it("returns undefined for a body that is not a Postmark record", () => {
    expect(parsePostmarkWebhook({ hello: "world" })).toBeUndefined();
    expect(parsePostmarkWebhook(null)).toBeUndefined();
    expect(parsePostmarkWebhook([1, 2])).toBeUndefined();
  });
});
