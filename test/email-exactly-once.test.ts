import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEmailSoak } from "./helpers/email-soak.js";
import { FakeResendServer } from "./helpers/fake-resend-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const USERS = 1_000; // two journey emails each: 2,000 emails

let database: TestDatabase;
let resend: FakeResendServer;

beforeAll(async () => {
  database = await createTestDatabase();
  resend = await new FakeResendServer({ latencyMs: 50 }).start();
});
afterAll(async () => {
  await resend?.stop();
  await database?.drop();
});

describe("journey emails with workers SIGKILLed repeatedly", () => {
  it("reach the provider exactly once each, by idempotency key and by content", async () => {
    const result = await runEmailSoak({
      db: database.db,
      databaseUrl: database.url,
      resend,
      users: USERS,
      // Three workers so kills keep coming while a killed one cold-starts.
      workers: 3,
      chaosMs: 20_000,
      minKills: 3,
      killEveryMs: [1_500, 3_000],
      drainTimeoutMs: 120_000,
    });
    console.log("email exactly-once soak:", JSON.stringify(result));
    expect(result.kills).toBeGreaterThanOrEqual(3);
    expect(result.messages).toEqual({ sent: result.expected });
    expect(result.distinctRunPositions).toBe(result.expected);
    expect(result.accepted).toBe(result.expected);
    expect(result.distinctAcceptedKeys).toBe(result.expected);
    expect(result.distinctContents).toBe(result.expected);
    expect(result.duplicateContents).toBe(0);
    expect(result.strangers).toBe(0);
  }, 240_000);
});
