import { defineJourney, hours } from "hogsend";
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type App, createApp, startWorker } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { insertEvents } from "../src/events/event-store.js";
import { validateJourney } from "../src/journeys/journey-meta-schema.js";
import type { PropertyCondition } from "../src/journeys/journey-types.js";
import { createLogger } from "../src/lib/logger.js";
import { whenRedisReady } from "../src/redis/redis-client.js";
import { createPostHogPersonLookup } from "../src/sources/posthog-person-lookup.js";
import { FakePostHogServer } from "./helpers/fake-posthog-server.js";
import { HAVE_REDIS_SERVER, startRedisServer, type TestRedisServer } from "./helpers/redis-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * Person properties for conditions: a journey with `meta.personLookup: "posthog"` reads a contact property the
 * contact lacks from PostHog's persons API (a local server that speaks it), cached per user; a journey without the
 * opt-in does not; a PostHog that fails or stalls costs routing one bounded wait, never a stuck batch; and with
 * REDIS_URL two app instances share one answer, falling back to their own cache when Redis dies.
 */
const silent = createLogger({ level: "silent", pretty: false });
const isPro: PropertyCondition = {
  type: "property",
  source: "contact",
  property: "plan",
  operator: "eq",
  value: "pro",
};
const meta = {
  enabled: true,
  entryLimit: "unlimited" as const,
  suppress: hours(0),
};
const withLookup = defineJourney({
  meta: {
    ...meta,
    id: "pro-tips-lookup",
    name: "Pro tips (PostHog lookup)",
    personLookup: "posthog",
    trigger: { event: "feature.used", where: [isPro] },
    exitOn: [
      {
        event: "risk.scored",
        where: [
          { type: "property", source: "contact", property: "churn_risk", operator: "eq", value: "high" },
        ],
      },
    ],
  },
  run: async (_user, ctx) => {
    await ctx.sleep({ duration: hours(1), label: "wait" });
  },
});
const withoutLookup = defineJourney({
  meta: {
    ...meta,
    id: "pro-tips-stored",
    name: "Pro tips (stored properties only)",
    trigger: { event: "feature.used", where: [isPro] },
  },
  run: async () => {},
});

let database: TestDatabase;
let posthog: FakePostHogServer;

beforeAll(async () => {
  database = await createTestDatabase();
  posthog = await new FakePostHogServer().start();
});
afterAll(async () => {
  await posthog?.stop();
  await database?.drop();
});
beforeEach(() => {
  posthog.persons.clear();
  posthog.personLookups.length = 0;
  posthog.personsStatus = undefined;
  posthog.personsLatencyMs = 0;
});

const lookupAgainst = (options: { timeoutMs?: number } = {}) =>
  createPostHogPersonLookup({
    personalApiKey: posthog.personalApiKey,
    projectId: posthog.projectId,
    apiHost: posthog.baseUrl,
    ttlMs: 60_000,
    timeoutMs: options.timeoutMs ?? 2_000,
    redis: () => undefined,
    logger: silent,
  });

describe("journeys with meta.personLookup", () => {
  let h: JourneyHarness;
  beforeAll(async () => {
    h = await createJourneyHarness({
      databaseUrl: database.url,
      journeys: [withLookup, withoutLookup],
      personLookup: lookupAgainst(),
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("enrolls on a PostHog-only property with the opt-in, not without it; one call per user", async () => {
    posthog.persons.set("ph-pro-1", { plan: "pro", email: "pro1@example.com" });
    await h.send({ event: "feature.used", userId: "ph-pro-1" });
    expect(await h.runs({ journeyId: "pro-tips-lookup", userId: "ph-pro-1" })).toHaveLength(1);
    expect(await h.runs({ journeyId: "pro-tips-stored", userId: "ph-pro-1" })).toHaveLength(0);
    expect(await h.skips("pro-tips-stored")).toMatchObject({ trigger_conditions_not_met: 1 });
    expect(posthog.personLookups).toEqual(["ph-pro-1"]);

    // Cached: the next events of the same user make no call.
    await h.send({ event: "feature.used", userId: "ph-pro-1" });
    await h.send({ event: "feature.used", userId: "ph-pro-1" });
    expect(posthog.personLookups).toEqual(["ph-pro-1"]);
    expect(await h.runs({ journeyId: "pro-tips-lookup", userId: "ph-pro-1" })).toHaveLength(1);
    expect(await h.skips("pro-tips-lookup")).toMatchObject({ already_active: 2 });
  });

  it("looks up a property for an exit condition of a live run", async () => {
    posthog.persons.set("ph-pro-2", { plan: "pro" });
    await h.send({ event: "feature.used", userId: "ph-pro-2" });
    expect((await h.runs({ journeyId: "pro-tips-lookup", userId: "ph-pro-2" }))[0]?.status).toBe("waiting");
    // The cached person (no churn_risk yet) does not exit the run…
    await h.send({ event: "risk.scored", userId: "ph-pro-2" });
    expect((await h.runs({ journeyId: "pro-tips-lookup", userId: "ph-pro-2" }))[0]?.status).toBe("waiting");
    // …a user whose PostHog person says high risk exits at once.
    posthog.persons.set("ph-pro-3", { plan: "pro", churn_risk: "high" });
    await h.send({ event: "feature.used", userId: "ph-pro-3" });
    await h.send({ event: "risk.scored", userId: "ph-pro-3" });
    expect((await h.runs({ journeyId: "pro-tips-lookup", userId: "ph-pro-3" }))[0]?.status).toBe("exited");
    expect(posthog.personLookups).toEqual(["ph-pro-2", "ph-pro-3"]);
  });

  it("never looks up a property the contact has (stored wins), nor for users of no opted-in journey", async () => {
    posthog.persons.set("ph-free-1", { plan: "pro" });
    await h.send({ event: "feature.used", userId: "ph-free-1", properties: { $set: { plan: "free" } } });
    expect(await h.runs({ userId: "ph-free-1" })).toHaveLength(0);
    await h.send({ event: "page.viewed", userId: "ph-free-2" });
    expect(posthog.personLookups).toEqual([]);
  });

  it("an unknown person is cached as missing: no enrollment, one call", async () => {
    await h.send({ event: "feature.used", userId: "ph-nobody" });
    await h.send({ event: "feature.used", userId: "ph-nobody" });
    expect(await h.runs({ userId: "ph-nobody" })).toHaveLength(0);
    expect(posthog.personLookups).toEqual(["ph-nobody"]);
  });
});

describe("the worker", () => {
  it("routes with the app's PostHog lookup: the opted-in journey enrolls on the PostHog property", async () => {
    const app = await createApp(
      loadConfig({
        NODE_ENV: "test",
        POSTHOG_HOST: posthog.baseUrl,
        POSTHOG_PERSONAL_API_KEY: posthog.personalApiKey,
        POSTHOG_PROJECT_ID: posthog.projectId,
        HOGSEND_POLL_INTERVAL_MS: "100",
      }),
      { databaseUrl: database.url, logger: silent, journeys: [withLookup, withoutLookup] },
    );
    const worker = await startWorker(app);
    try {
      posthog.persons.set("ph-worker-1", { plan: "pro" });
      await insertEvents(app.db, [
        {
          messageId: "ph-worker-1-used",
          event: "feature.used",
          userId: "ph-worker-1",
          occurredAt: new Date(),
        },
      ]);
      const runs = async () =>
        (
          await app.db.query<{ journey_id: string }>(
            "SELECT journey_id FROM journey_runs WHERE user_id = $1",
            ["ph-worker-1"],
          )
        ).rows.map((r) => r.journey_id);
      await expect.poll(runs, { timeout: 10_000 }).toEqual(["pro-tips-lookup"]);
      expect(posthog.personLookups).toEqual(["ph-worker-1"]);
    } finally {
      await worker.stop(1_000);
      await app.close();
    }
  });
});

describe("lookup failures", () => {
  it("a stalled PostHog costs one bounded wait, then calls pause; the property counts as missing", async () => {
    const h = await createJourneyHarness({
      databaseUrl: database.url,
      journeys: [withLookup],
      personLookup: lookupAgainst({ timeoutMs: 200 }),
    });
    try {
      posthog.persons.set("ph-slow-1", { plan: "pro" });
      posthog.personsLatencyMs = 5_000;
      const before = (await h.skips("pro-tips-lookup")).trigger_conditions_not_met ?? 0;
      const started = Date.now();
      await h.send({ event: "feature.used", userId: "ph-slow-1" });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await h.runs({ userId: "ph-slow-1" })).toHaveLength(0);
      expect((await h.skips("pro-tips-lookup")).trigger_conditions_not_met).toBe(before + 1);
      // Paused after the timeout: the next batch does not call (nor wait on) PostHog again.
      await h.send({ event: "feature.used", userId: "ph-slow-2" });
      expect(posthog.personLookups).toEqual(["ph-slow-1"]);
    } finally {
      await h.close();
    }
  });

  it("a 5xx, 4xx or 429 answer is missing (nothing cached, nothing thrown) and pauses further calls", async () => {
    for (const status of [500, 403, 429]) {
      posthog.personLookups.length = 0;
      posthog.personsStatus = status;
      posthog.persons.set("a", { plan: "pro" });
      const lookup = lookupAgainst();
      expect(await lookup.lookup(["a"])).toEqual(new Map());
      expect(posthog.personLookups).toEqual(["a"]);
      // PostHog is fine again, but calls stay paused: users are missing without a request.
      posthog.personsStatus = undefined;
      expect(await lookup.lookup(["a", "b"])).toEqual(new Map());
      expect(posthog.personLookups).toEqual(["a"]);
    }
  });
});

describe.skipIf(!HAVE_REDIS_SERVER && process.env.CI !== "true")("the Redis cache", () => {
  let redis: TestRedisServer;
  let a: App;
  let b: App;
  beforeAll(async () => {
    redis = await startRedisServer();
    const env = {
      NODE_ENV: "test",
      REDIS_URL: redis.url,
      POSTHOG_HOST: posthog.baseUrl,
      POSTHOG_PERSONAL_API_KEY: posthog.personalApiKey,
      POSTHOG_PROJECT_ID: posthog.projectId,
    };
    a = await createApp(loadConfig(env), { databaseUrl: database.url, logger: silent });
    b = await createApp(loadConfig(env), { databaseUrl: database.url, logger: silent });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it("is shared by two app instances, and each falls back to its own cache when Redis is down", async () => {
    posthog.persons.set("ph-shared-1", { plan: "pro" });
    posthog.persons.set("ph-shared-2", { plan: "team" });
    expect(await whenRedisReady(a.redis!)).toBe(true);
    expect(await whenRedisReady(b.redis!)).toBe(true);

    expect((await a.personLookup!.lookup(["ph-shared-1"])).get("ph-shared-1")).toEqual({ plan: "pro" });
    // The write to Redis is not awaited by the lookup; wait for it as the other instance would meet it.
    const key = `hogsend:posthog-person:${posthog.projectId}:ph-shared-1`;
    await expect.poll(() => a.redis!.exists(key)).toBe(1);
    expect(await a.redis!.pttl(key)).toBeGreaterThan(590_000); // POSTHOG_PERSON_CACHE_SECONDS default 600
    expect((await b.personLookup!.lookup(["ph-shared-1"])).get("ph-shared-1")).toEqual({ plan: "pro" });
    expect(posthog.personLookups).toEqual(["ph-shared-1"]);

    await redis.kill();
    const started = Date.now();
    expect((await b.personLookup!.lookup(["ph-shared-2"])).get("ph-shared-2")).toEqual({ plan: "team" });
    expect((await b.personLookup!.lookup(["ph-shared-2"])).get("ph-shared-2")).toEqual({ plan: "team" });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(posthog.personLookups).toEqual(["ph-shared-1", "ph-shared-2"]);
    const counted = await b.metrics.registry.getSingleMetricAsString("hogsend_person_lookups_total");
    expect(counted).toContain('outcome="cached"} 2');
    expect(counted).toContain('outcome="found"} 1');
  });
});

describe("configuration", () => {
  it("requires the project id with the personal key and derives the private API host", () => {
    expect(() => loadConfig({ NODE_ENV: "test", POSTHOG_PERSONAL_API_KEY: "phx_1" })).toThrow(
      /POSTHOG_PROJECT_ID/,
    );
    expect(loadConfig({ NODE_ENV: "test" }).sources.posthogPersons).toBeUndefined();
    const persons = (host?: string) =>
      loadConfig({
        NODE_ENV: "test",
        POSTHOG_PERSONAL_API_KEY: "phx_1",
        POSTHOG_PROJECT_ID: "123",
        ...(host ? { POSTHOG_HOST: host } : {}),
      }).sources.posthogPersons;
    expect(persons()).toMatchObject({ apiHost: "https://us.posthog.com", ttlMs: 600_000, timeoutMs: 2_000 });
    expect(persons("https://eu.i.posthog.com/")?.apiHost).toBe("https://eu.posthog.com");
    expect(persons("https://posthog.internal.example")?.apiHost).toBe("https://posthog.internal.example");
  });

  it("validates meta.personLookup", () => {
    const bad = { ...withLookup, meta: { ...withLookup.meta, personLookup: "yes" } };
    expect(() => validateJourney(bad)).toThrow(/meta\.personLookup/);
  });
});
