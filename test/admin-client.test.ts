import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, type RunningServer, startApiServer } from "../src/app.js";
import { createAdminClient } from "../src/client/index.js";
import { loadConfig } from "../src/config.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * `hogsend/client` against a real server. Besides what it asserts at run time, this file is a type test:
 * `tsc --noEmit` (in `npm test`) fails if the client stops being typed from the route declarations — the
 * `@ts-expect-error` lines must stay errors and the typed field reads must stay valid.
 */
const ADMIN_KEY = "test-admin-key-typed-client-0123456789";
let testDb: TestDatabase;
let app: App;
let server: RunningServer;
let admin: ReturnType<typeof createAdminClient>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: ADMIN_KEY }), {
    databaseUrl: testDb.url,
  });
  server = await startApiServer(app, 0);
  admin = createAdminClient(`http://127.0.0.1:${server.port}`, ADMIN_KEY);
});

afterAll(async () => {
  await server?.close();
  await app?.close();
  await testDb?.drop();
});

describe("the typed admin client", () => {
  it("creates, reads, lists and erases a contact with typed requests and answers", async () => {
    const put = await admin.contacts[":userId"].$put({
      param: { userId: "client-user" },
      json: { email: "client@example.com", properties: { plan: "pro" } },
    });
    expect(put.status).toBe(201);
    if (put.status !== 201) throw new Error("not created");
    const created = await put.json();
    const email: string | null = created.data.email;
    expect(email).toBe("client@example.com");

    const got = await admin.contacts[":userId"].$get({ param: { userId: "client-user" } });
    if (got.status !== 200) throw new Error(`status ${got.status}`);
    const profile = (await got.json()).data;
    const subscribed: boolean = profile.subscription.subscribed;
    expect(subscribed).toBe(true);
    expect(profile.contact.properties).toEqual({ plan: "pro" });

    const list = await admin.contacts.$get({ query: { limit: "10" } });
    if (list.status !== 200) throw new Error(`status ${list.status}`);
    const page = await list.json();
    const next: string | null = page.nextCursor;
    expect(next).toBeNull();
    expect(page.data.map((contact) => contact.userId)).toEqual(["client-user"]);

    const erased = await admin.contacts[":userId"].$delete({ param: { userId: "client-user" } });
    if (erased.status !== 200) throw new Error(`status ${erased.status}`);
    const erasure = (await erased.json()).data;
    const found: boolean = erasure.found;
    expect(found).toBe(true);
  });

  it("reaches Studio's routes typed: the overview, the enable switch, the funnel", async () => {
    const overview = await admin.overview.$get();
    if (overview.status !== 200) throw new Error(`status ${overview.status}`);
    const data = (await overview.json()).data;
    const band: "ok" | "warn" | "critical" = data.rates.complaint.band;
    expect(band).toBe("ok");
    const sleeping: number = data.runs.sleeping;
    expect(sleeping).toBe(0);
    expect(data.health.schema.current).toBe(true);

    const unknown = await admin.journeys[":journeyId"].enabled.$put({
      param: { journeyId: "no-such-journey" },
      // @ts-expect-error enabled is boolean | null, not a string
      json: { enabled: "off" },
    });
    expect(unknown.status).toBe(400);
    const funnel = await admin.journeys[":journeyId"].funnel.$get({
      param: { journeyId: "no-such-journey" },
    });
    expect(funnel.status).toBe(404);
  });

  it("types errors, path parameters and runs", async () => {
    const missing = await admin.runs[":runId"].$get({
      param: { runId: "00000000-0000-4000-8000-000000000000" },
    });
    expect(missing.status).toBe(404);
    if (missing.status === 404) {
      const body = await missing.json();
      const code: string = body.error.code;
      expect(code).toBe("NOT_FOUND");
    }
    const journeys = await admin.journeys.$get();
    if (journeys.status !== 200) throw new Error(`status ${journeys.status}`);
    expect((await journeys.json()).data).toEqual([]);
  });

  it("refuses what the server does not declare (checked by tsc)", async () => {
    const typeErrors = async () => {
      // @ts-expect-error there is no such admin route
      await admin.contact.$get();
      // @ts-expect-error the contact route needs its userId path parameter
      await admin.contacts[":userId"].$get({});
      // @ts-expect-error `subscribed` is a boolean
      await admin.contacts[":userId"].$put({ param: { userId: "u" }, json: { subscribed: "yes" } });
      const got = await admin.contacts[":userId"].$get({ param: { userId: "u" } });
      if (got.status === 200) {
        // @ts-expect-error a profile has no `nickname`
        (await got.json()).data.contact.nickname.toUpperCase();
      }
      const run = await admin.runs[":runId"].$get({ param: { runId: "r" } });
      if (run.status === 200) {
        // @ts-expect-error a run is `runId`, not `stateId`
        (await run.json()).data.stateId.toUpperCase();
      }
    };
    expect(typeof typeErrors).toBe("function");
  });
});
