import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  newStandardWebhookSecret,
  signStandardWebhook,
  verifyStandardWebhook,
} from "./standard-webhook-signature.js";

describe("Standard Webhooks signing", () => {
  const secret = newStandardWebhookSecret(randomBytes);
  const body = JSON.stringify({ type: "email.sent", data: { id: 1 } });
  const at = new Date();

  it("signs with HMAC-SHA256 over id.timestamp.body, as the spec defines", () => {
    const headers = signStandardWebhook(secret, { id: "msg_1", body, timestamp: at });
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key)
      .update(`msg_1.${headers["webhook-timestamp"]}.${body}`)
      .digest("base64");
    expect(headers["webhook-signature"]).toBe(`v1,${expected}`);
    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(at.getTime() / 1000)));
  });

  it("verifies its own signature and refuses a changed body, a wrong secret or missing headers", () => {
    const h = signStandardWebhook(secret, { id: "msg_2", body, timestamp: at });
    const headers = {
      id: h["webhook-id"],
      timestamp: h["webhook-timestamp"],
      signature: h["webhook-signature"],
    };
    expect(verifyStandardWebhook(secret, body, headers)).toBe(true);
    expect(verifyStandardWebhook(secret, `${body} `, headers)).toBe(false);
    expect(verifyStandardWebhook(newStandardWebhookSecret(randomBytes), body, headers)).toBe(false);
    expect(verifyStandardWebhook(secret, body, { ...headers, signature: undefined })).toBe(false);
  });

  it("refuses a stale timestamp", () => {
    const old = new Date(Date.now() - 10 * 60_000);
    const h = signStandardWebhook(secret, { id: "msg_3", body, timestamp: old });
    const headers = {
      id: h["webhook-id"],
      timestamp: h["webhook-timestamp"],
      signature: h["webhook-signature"],
    };
    expect(verifyStandardWebhook(secret, body, headers)).toBe(false);
  });
});
