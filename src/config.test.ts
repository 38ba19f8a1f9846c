import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEV_API_KEY, ENV_VARIABLES, loadConfig } from "./config.js";
import { HogsendError } from "./errors.js";

const production = {
  NODE_ENV: "production",
  DATABASE_URL: "postgresql://app:secret@db.internal:5432/hogsend",
  REDIS_URL: "redis://cache.internal:6379",
  BETTER_AUTH_SECRET: "s".repeat(44),
  API_PUBLIC_URL: "https://api.example.com",
  EMAIL_PROVIDER: "resend",
  RESEND_API_KEY: "re_live_123",
  RESEND_FROM_EMAIL: "noreply@example.com",
};

function problemsOf(env: Record<string, string | undefined>): Array<{ variable: string; reason: string }> {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(HogsendError);
    expect((error as HogsendError).code).toBe("CONFIG_INVALID");
    return (error as HogsendError).details as Array<{ variable: string; reason: string }>;
  }
  throw new Error("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("gives a working development system with no variables at all", () => {
    const config = loadConfig({});
    expect(config.env).toBe("development");
    expect(config.port).toBe(3002);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.email.provider).toBe("capture");
    expect(config.enabledJourneys).toBe("*");
    expect(config.bootstrapApiKey).toBe(DEV_API_KEY);
    expect(config.publicUrl).toBe("http://localhost:3002");
    expect(config.logLevel).toBe("info");
  });

  it("accepts a complete production environment and applies no development defaults", () => {
    const config = loadConfig(production);
    expect(config.env).toBe("production");
    expect(config.databaseUrl).toBe(production.DATABASE_URL);
    expect(config.bootstrapApiKey).toBeUndefined();
    expect(config.email.provider).toBe("resend");
    expect(config.email.from).toBe("noreply@example.com");
    expect(config.authUrl).toBe("https://api.example.com");
  });

  it("names every missing production variable in one error", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ["API_PUBLIC_URL", "BETTER_AUTH_SECRET", "DATABASE_URL", "EMAIL_PROVIDER"].sort(),
    );
  });

  it("formats one readable message naming each bad variable and why", () => {
    try {
      loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/^Invalid configuration:/);
      expect(message).toContain("PORT");
      expect(message).toContain("DATABASE_URL must be a postgres:// or postgresql:// URL");
      expect(message).toContain("LOG_LEVEL");
    }
  });

  it.each([
    [{ PORT: "70000" }, "PORT"],
    [{ PORT: "-1" }, "PORT"],
    [{ NODE_ENV: "staging" }, "NODE_ENV"],
    [{ REDIS_URL: "http://cache" }, "REDIS_URL"],
    [{ BETTER_AUTH_SECRET: "short" }, "BETTER_AUTH_SECRET"],
    [{ API_PUBLIC_URL: "not a url" }, "API_PUBLIC_URL"],
    [{ API_PUBLIC_URL: "ftp://example.com" }, "API_PUBLIC_URL"],
    [{ BETTER_AUTH_URL: "example.com" }, "BETTER_AUTH_URL"],
    [{ HOGSEND_API_KEY: "too-short" }, "HOGSEND_API_KEY"],
    [{ EMAIL_PROVIDER: "mailchimp" }, "EMAIL_PROVIDER"],
    [{ EMAIL_PROVIDER: "resend" }, "RESEND_API_KEY"],
    [{ EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_1" }, "RESEND_FROM_EMAIL"],
    [{ EMAIL_PROVIDER: "postmark" }, "POSTMARK_SERVER_TOKEN"],
    [{ EMAIL_PROVIDER: "smtp" }, "SMTP_URL"],
    [{ EMAIL_PROVIDER: "smtp", SMTP_URL: "http://relay" }, "SMTP_URL"],
    [{ POSTMARK_WEBHOOK_USER: "hook" }, "POSTMARK_WEBHOOK_PASS"],
    [{ ENABLED_JOURNEYS: " , ," }, "ENABLED_JOURNEYS"],
    [{ LOG_LEVEL: "verbose" }, "LOG_LEVEL"],
    [{ HOGSEND_EMBEDDED_PG_PORT: "0" }, "HOGSEND_EMBEDDED_PG_PORT"],
    [{ HOGSEND_WORKER_CONCURRENCY: "0" }, "HOGSEND_WORKER_CONCURRENCY"],
    [{ HOGSEND_LEASE_SECONDS: "1.5" }, "HOGSEND_LEASE_SECONDS"],
    [{ HOGSEND_MAX_BODY_BYTES: "lots" }, "HOGSEND_MAX_BODY_BYTES"],
  ])("rejects %o naming %s", (env, variable) => {
    expect(problemsOf(env).map((p) => p.variable)).toContain(variable);
  });

  it("refuses the capture provider in production", () => {
    expect(problemsOf({ ...production, EMAIL_PROVIDER: "capture" }).map((p) => p.variable)).toContain(
      "EMAIL_PROVIDER",
    );
  });

  it("requires EMAIL_FROM in production for postmark and smtp", () => {
    const env = { ...production, EMAIL_PROVIDER: "smtp", SMTP_URL: "smtp://relay:25" };
    expect(problemsOf(env).map((p) => p.variable)).toEqual(["EMAIL_FROM"]);
    expect(loadConfig({ ...env, EMAIL_FROM: "a@example.com" }).email.smtpUrl).toBe("smtp://relay:25");
  });

  it("takes HOGSEND_DEFAULT_TIMEZONE as a validated IANA zone, UTC by default", () => {
    expect(loadConfig({}).defaultTimeZone).toBe("UTC");
    expect(loadConfig({ HOGSEND_DEFAULT_TIMEZONE: "Europe/Berlin" }).defaultTimeZone).toBe("Europe/Berlin");
    expect(problemsOf({ HOGSEND_DEFAULT_TIMEZONE: "Mars/Base" })).toEqual([
      { variable: "HOGSEND_DEFAULT_TIMEZONE", reason: expect.stringMatching(/IANA time zone/) },
    ]);
  });

  it("treats empty strings as unset", () => {
    const config = loadConfig({ PORT: "", DATABASE_URL: "", ENABLED_JOURNEYS: "" });
    expect(config.port).toBe(3002);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.enabledJourneys).toBe("*");
  });

  it("parses ENABLED_JOURNEYS as a trimmed list", () => {
    expect(
      loadConfig({ ENABLED_JOURNEYS: " activation-welcome, churn-prevention ,," }).enabledJourneys,
    ).toEqual(["activation-welcome", "churn-prevention"]);
  });

  it("coerces numbers and converts seconds to milliseconds", () => {
    const config = loadConfig({
      PORT: "8080",
      HOGSEND_LEASE_SECONDS: "45",
      HOGSEND_SHUTDOWN_GRACE_SECONDS: "5",
    });
    expect(config.port).toBe(8080);
    expect(config.worker.leaseMs).toBe(45_000);
    expect(config.worker.shutdownGraceMs).toBe(5_000);
  });

  it("is silent by default under test", () => {
    expect(loadConfig({ NODE_ENV: "test" }).logLevel).toBe("silent");
  });
});

describe(".env.example", () => {
  it("documents exactly the variables of the schema, each with a comment", () => {
    const text = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const lines = text.split("\n");
    const documented = lines.flatMap((line) => line.match(/^([A-Z][A-Z0-9_]*)=/)?.[1] ?? []);
    expect([...documented].sort()).toEqual([...ENV_VARIABLES].sort());
    for (const variable of documented) {
      const index = lines.findIndex((line) => line.startsWith(`${variable}=`));
      // Variables grouped under one comment share it; walk up to the nearest comment line.
      const above = lines.slice(0, index).reverse();
      const comment = above.find((line) => line.startsWith("#") || line.trim() === "");
      expect(comment?.startsWith("#"), `${variable} has no comment above it`).toBe(true);
    }
  });
});

describe("Studio login settings", () => {
  it("normalises the first admin's address and the proxy header, and marks the development secret", () => {
    const config = loadConfig({
      STUDIO_ADMIN_EMAIL: " Ada@Example.COM ",
      HOGSEND_TRUSTED_PROXY_HEADER: "X-Forwarded-For",
    });
    expect(config.studio).toEqual({
      adminEmail: "ada@example.com",
      adminPassword: undefined,
      trustedProxyHeader: "x-forwarded-for",
    });
    expect(config.authSecretIsDevDefault).toBe(true);
    expect(loadConfig(production).authSecretIsDevDefault).toBe(false);
  });

  it("refuses a password without an address, a short password, a bad address and a bad header name", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return ((error as HogsendError).details as Array<{ variable: string }>).map((p) => p.variable);
      }
    };
    expect(problems({ STUDIO_ADMIN_PASSWORD: "long-enough-password" })).toEqual(["STUDIO_ADMIN_PASSWORD"]);
    expect(problems({ STUDIO_ADMIN_EMAIL: "a@b.co", STUDIO_ADMIN_PASSWORD: "short" })).toEqual([
      "STUDIO_ADMIN_PASSWORD",
    ]);
    expect(problems({ STUDIO_ADMIN_EMAIL: "not-an-address" })).toEqual(["STUDIO_ADMIN_EMAIL"]);
    expect(problems({ HOGSEND_TRUSTED_PROXY_HEADER: "x forwarded: for" })).toEqual([
      "HOGSEND_TRUSTED_PROXY_HEADER",
    ]);
  });
});
