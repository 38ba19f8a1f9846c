import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journeys } from "../../examples/journeys/index.js";
import { type App, buildApi, createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { hours } from "../../src/index.js";
import { createJourneyHarness, type JourneyHarness } from "../../src/testing/index.js";
import { exampleTemplates } from "../helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const ADMIN_KEY = "journey-admin-test-key-0123456789";
const EXAMPLES = fileURLToPath(new URL("../../examples/journeys/index.ts", import.meta.url));
let database: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;
let h: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({ templates: exampleTemplates, databaseUrl: database.url, journeys });
  app = await createApp(
    loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY, HOGSEND_JOURNEYS: EXAMPLES }),
    { templates: exampleTemplates, databaseUrl: database.url, clock: h.clock },
  );
  api = buildApi(app);
});
afterAll(async () => {
  await app?.close();
  await h?.close();
  await database?.drop();
});

const get = async (path: string, key = ADMIN_KEY) => {
  const res = await api.request(path, { headers: { Authorization: `Bearer ${key}` } });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field below
  return { status: res.status, body: (await res.json()) as any };
};

describe("journey admin API", () => {
  it("lists journeys with meta, run counts by status and skip counts by reason", async () => {
    await h.send({
      event: "checkout.started",
      userId: "a1",
      userEmail: "a1@example.com",
      properties: { cartId: "c1" },
    });
    await h.send({ event: "checkout.started", userId: "a1", properties: { cartId: "c2" } });
    await h.send({ event: "checkout.started", userId: "a2", properties: { cartId: "c3" } });
    await h.send({ event: "checkout.completed", userId: "a2", properties: { cartId: "c3" } });
    const { status, body } = await get("/v1/admin/journeys");
    expect(status).toBe(200);
    const journey = body.data.find((j: { id: string }) => j.id === "checkout-recovery");
    expect(journey).toMatchObject({
      loaded: true,
      name: "Conversion — Checkout Recovery",
      entryLimit: "once_per_period",
      runs: { waiting: 1, completed: 1 },
      skips: { period_not_elapsed: 1 },
    });
  });

  it("lists a journey's runs by user and status with a cursor, and a user's runs", async () => {
    for (const user of ["p1", "p2", "p3"]) await h.send({ event: "checkout.started", userId: user });
    const first = await get("/v1/admin/journeys/checkout-recovery/runs?status=waiting&limit=2");
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(
      `/v1/admin/journeys/checkout-recovery/runs?status=waiting&limit=2&cursor=${first.body.nextCursor}`,
    );
    const ids = [...first.body.data, ...second.body.data].map((r: { runId: string }) => r.runId);
    expect(new Set(ids).size).toBe(4);
    expect(second.body.nextCursor).toBeNull();

    const byUser = await get("/v1/admin/journeys/checkout-recovery/runs?userId=a2");
    expect(byUser.body.data).toEqual([
      expect.objectContaining({
        journeyId: "checkout-recovery",
        userId: "a2",
        status: "completed",
        currentNodeId: "purchased",
        error: null,
        exitEventId: null,
      }),
    ]);
    const user = await get("/v1/admin/users/a1/journeys");
    expect(user.body.data.map((r: { status: string }) => r.status)).toEqual(["waiting"]);
    expect((await get("/v1/admin/journeys/checkout-recovery/runs?status=bogus")).status).toBe(400);
  });

  it("shows one run with its journal, and cancels it", async () => {
    const [run] = await h.runs({ userId: "a1" });
    const shown = await get(`/v1/admin/runs/${run!.id}`);
    expect(shown.body.data).toMatchObject({
      runId: run!.id,
      status: "waiting",
      currentNodeId: "await-purchase",
    });
    expect(shown.body.data.journal).toEqual([
      expect.objectContaining({ position: 0, kind: "wait", label: "await-purchase" }),
    ]);
    const cancel = () =>
      api.request(`/v1/admin/runs/${run!.id}/cancel`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_KEY}` },
      });
    const res = await cancel();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { status: string } }).data.status).toBe("cancelled");
    expect((await cancel()).status).toBe(409);
    // A cancelled run never wakes.
    await h.advance(hours(48));
    expect((await h.run(run!.id))?.status).toBe("cancelled");
    expect(await h.events({ event: "checkout.nudge_due", userId: "a1" })).toHaveLength(0);
    expect((await get("/v1/admin/runs/00000000-0000-0000-0000-000000000000")).status).toBe(404);
  });

  it("answers 404 for a journey that is neither loaded nor has runs", async () => {
    const res = await get("/v1/admin/journeys/no-such-journey/runs");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });

  it("requires an admin key", async () => {
    expect((await get("/v1/admin/journeys", "wrong-key-wrong-key-wrong")).status).toBe(401);
  });
});
