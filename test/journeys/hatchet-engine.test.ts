import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { days, defineJourney, hours } from "../../src/index.js";
import { createHatchetClient } from "../../src/journeys/hatchet/create-hatchet-client.js";
import { createLogger } from "../../src/lib/logger.js";
import { createJourneyHarness, type JourneyHarness } from "../../src/testing/index.js";
import { runEmailSoak } from "../helpers/email-soak.js";
import { FakeResendServer } from "../helpers/fake-resend-server.js";
import { HAVE_HATCHET, startTestHatchet, type TestHatchet } from "../helpers/local-hatchet.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// What only the Hatchet engine has to prove, against a real engine: eviction and replay of sleeping durable tasks,
// cancellation of the engine run on an exit, and exactly-once email with worker processes SIGKILLed.
const run = HAVE_HATCHET || process.env.CI === "true";

const steps: string[] = [];
const napper = defineJourney({
  meta: {
    id: "napper",
    name: "Napper",
    enabled: true,
    entryLimit: "unlimited",
    suppress: hours(1),
    trigger: { event: "nap.go" },
    exitOn: [{ event: "nap.stop" }],
  },
  run: async (user, ctx) => {
    await ctx.step("first", () => steps.push(`${user.id}:first`));
    await ctx.sleep({ duration: hours(1), label: "one" });
    await ctx.step("second", () => steps.push(`${user.id}:second`));
    await ctx.sleep({ duration: days(2), label: "two" });
    await ctx.step("third", () => steps.push(`${user.id}:third`));
  },
});

let hatchet: TestHatchet;
let database: TestDatabase;
let h: JourneyHarness;
beforeAll(async () => {
  if (!run) return;
  hatchet = await startTestHatchet();
  database = await createTestDatabase();
  h = await createJourneyHarness({
    databaseUrl: database.url,
    journeys: [napper],
    engine: { kind: "hatchet", hatchet: hatchet.settings, evictAfter: "1s" },
  });
}, 300_000);
afterAll(async () => {
  await h?.close();
  await database?.drop();
  await hatchet?.stop();
});

async function hatchetQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: hatchet.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe.runIf(run)("journeys on Hatchet", () => {
  it("a durable task evicted while it sleeps is replayed and goes on where it was, each step once", async () => {
    await h.send({ event: "nap.go", userId: "e1" });
    // Past the 1 s eviction TTL: the task leaves its worker slot and is replayed from the top when woken.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await h.advance(hours(1));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await h.advance(days(2));
    const [journeyRun] = await h.runs({ userId: "e1" });
    expect(journeyRun?.status).toBe("completed");
    expect(steps.filter((s) => s.startsWith("e1:"))).toEqual(["e1:first", "e1:second", "e1:third"]);
    const waits = await h.db.query(
      "SELECT seq, sleep_for FROM journey_engine_waits WHERE run_id = $1 ORDER BY seq",
      [journeyRun!.id],
    );
    expect(waits.rows).toEqual([
      { seq: 0, sleep_for: "3600s" },
      { seq: 1, sleep_for: "172800s" },
    ]);
    const invocations = await hatchetQuery<{ n: number }>(
      "SELECT max(latest_invocation_count)::int AS n FROM v1_durable_event_log_file",
    );
    expect(invocations[0]?.n).toBeGreaterThan(1);
  }, 60_000);

  it("an exit marks the run in Postgres first, then cancels its sleeping Hatchet run", async () => {
    await h.send({ event: "nap.go", userId: "x1" });
    const bound = await h.db.query<{ id: string; engine_ref: string | null }>(
      "SELECT id, engine_ref FROM journey_runs WHERE user_id = 'x1'",
    );
    const engineRef = bound.rows[0]?.engine_ref;
    expect(engineRef).toMatch(/^[0-9a-f-]{36}$/);
    await h.send({ event: "nap.stop", userId: "x1" });
    const [exited] = await h.runs({ userId: "x1" });
    expect(exited?.status).toBe("exited");
    const client = createHatchetClient(
      { ...hatchet.settings, namespace: undefined },
      createLogger({ level: "silent", pretty: false }),
    );
    let status = "";
    for (let i = 0; i < 50 && status !== "CANCELLED"; i++) {
      status = String((await client.runs.get(engineRef!)).run.status);
      if (status !== "CANCELLED") await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe("CANCELLED");
    const after = await h.db.query("SELECT engine_ref FROM journey_runs WHERE id = $1", [bound.rows[0]?.id]);
    expect(after.rows[0]?.engine_ref).toBeNull();
    expect(steps.filter((s) => s.startsWith("x1:"))).toEqual(["x1:first"]);
  }, 60_000);
});

describe.runIf(run)("journey emails on Hatchet with worker processes SIGKILLed", () => {
  let soakDatabase: TestDatabase;
  let resend: FakeResendServer;
  beforeAll(async () => {
    soakDatabase = await createTestDatabase();
    resend = await new FakeResendServer({ latencyMs: 50 }).start();
  });
  afterAll(async () => {
    await resend?.stop();
    await soakDatabase?.drop();
  });

  it("reach the provider exactly once each, by idempotency key and by content", async () => {
    const result = await runEmailSoak({
      db: soakDatabase.db,
      databaseUrl: soakDatabase.url,
      resend,
      // Fewer users than the Postgres soak: Hatchet runs them at tens per second here, and kills landing while
      // mail is still going (minKills) are what the test is about.
      users: 80,
      workers: 2,
      chaosMs: 10_000,
      minKills: 2,
      killEveryMs: [2_000, 4_000],
      drainTimeoutMs: 150_000,
      env: {
        HOGSEND_ENGINE: "hatchet",
        HATCHET_CLIENT_TOKEN: hatchet.settings.token,
        HATCHET_CLIENT_HOST_PORT: hatchet.settings.hostPort ?? "",
        HATCHET_CLIENT_TLS_STRATEGY: "none",
        HATCHET_CLIENT_NAMESPACE: "soak_",
      },
    });
    console.log("email exactly-once soak on Hatchet:", JSON.stringify(result));
    expect(result.kills).toBeGreaterThanOrEqual(2);
    expect(result.messages).toEqual({ sent: result.expected });
    expect(result.distinctRunPositions).toBe(result.expected);
    expect(result.accepted).toBe(result.expected);
    expect(result.distinctAcceptedKeys).toBe(result.expected);
    expect(result.duplicateContents).toBe(0);
    expect(result.strangers).toBe(0);
  }, 300_000);
});
