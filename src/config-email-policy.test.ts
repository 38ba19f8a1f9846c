import { describe, expect, it } from "vitest";
import { DEV_API_KEY, loadConfig } from "./config.js";
import { isHogsendError } from "./errors.js";

describe("email policy configuration", () => {
  it("defaults: link secrets from the auth secret, tracking off, 3 soft bounces in 7 days, no postal address", () => {
    const config = loadConfig({ NODE_ENV: "test" });
    expect(config.email.linkSecrets).toHaveLength(1);
    expect(config.email.linkSecrets[0]).toBe(config.authSecret);
    expect(config.email.tracking).toBe(false);
    expect(config.email.softBounce).toEqual({ threshold: 3, windowMs: 168 * 3_600_000 });
    expect(config.email.postalAddress).toBeUndefined();
    expect(config.bootstrapApiKey).toBe(DEV_API_KEY);
  });

  it("parses rotation lists, tracking, thresholds, the postal address and the Postmark secret", () => {
    const a = "a".repeat(32);
    const b = "b".repeat(40);
    const config = loadConfig({
      NODE_ENV: "test",
      HOGSEND_UNSUBSCRIBE_SECRETS: ` ${a} , ${b},`,
      HOGSEND_EMAIL_TRACKING: "on",
      HOGSEND_SOFT_BOUNCE_THRESHOLD: "5",
      HOGSEND_SOFT_BOUNCE_WINDOW_HOURS: "24",
      HOGSEND_POSTAL_ADDRESS: "1 Main St",
      POSTMARK_WEBHOOK_SECRET: "s3cret",
    });
    expect(config.email.linkSecrets).toEqual([a, b]);
    expect(config.email.tracking).toBe(true);
    expect(config.email.softBounce).toEqual({ threshold: 5, windowMs: 24 * 3_600_000 });
    expect(config.email.postalAddress).toBe("1 Main St");
    expect(config.email.postmark.webhookSecret).toBe("s3cret");
  });

  it("rejects short unsubscribe secrets and unknown tracking values, naming the variable", () => {
    for (const env of [
      { HOGSEND_UNSUBSCRIBE_SECRETS: `${"a".repeat(32)},short` },
      { HOGSEND_EMAIL_TRACKING: "maybe" },
      { HOGSEND_SOFT_BOUNCE_THRESHOLD: "0" },
    ]) {
      let caught: unknown;
      try {
        loadConfig({ NODE_ENV: "test", ...env });
      } catch (error) {
        caught = error;
      }
      expect(isHogsendError(caught, "CONFIG_INVALID")).toBe(true);
      expect((caught as Error).message).toContain(Object.keys(env)[0]);
    }
  });
});
