import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createClickToken, createOpenToken } from "../src/email/tracking/tracking-token.js";
import { createUnsubscribeToken } from "../src/email/unsubscribe/unsubscribe-token.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { createRandom } from "./helpers/fuzz-random.js";
import {
  buildRequest,
  type FuzzContext,
  type FuzzRequest,
  type FuzzRoute,
  systematicRequests,
} from "./helpers/fuzz-requests.js";
import { createTableSnapshot, diffSnapshots, type TableSnapshot } from "./helpers/table-snapshot.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * Seeded fuzzing of every route the API registers (read from the built app, so a route added later is fuzzed
 * too): NUL, lone surrogates, huge strings, 5,000+-deep nesting, out-of-range timestamps, bad percent-encoding,
 * wrong types, prototype keys, invalid UTF-8, wrong content types and huge numbers, with valid credentials and
 * signed webhooks so the data gets past authentication. No answer may be a 5xx or a thrown request, and a
 * request answered 4xx must not have written a row. Replay a failure with HOGSEND_FUZZ_SEED=<seed>.
 */
const SEED = Number(process.env.HOGSEND_FUZZ_SEED ?? 0x5eed_2026);
const RANDOM_REQUESTS = Number(process.env.HOGSEND_FUZZ_REQUESTS ?? 3_000);
const ADMIN_KEY = "test-admin-bootstrap-key-fuzz-0123456789";
const RESEND_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const LINK_SECRET = "fuzz-link-secret-0123456789abcdef0123456789";

let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;
const serverErrors: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: "test",
    HOGSEND_API_KEY: ADMIN_KEY,
    RESEND_WEBHOOK_SECRET: RESEND_SECRET,
    POSTMARK_WEBHOOK_USER: "postmark",
    POSTMARK_WEBHOOK_PASS: "fuzz-pass-1234",
    HOGSEND_UNSUBSCRIBE_SECRETS: LINK_SECRET,
  });
  // Errors the API logs for a 500 carry the cause, which the response hides: keep them for the failure report.
  const logger = pino({ level: "error" }, { write: (line: string) => void serverErrors.push(line) });
  app = await createApp(config, { templates: exampleTemplates, databaseUrl: testDb.url, logger });
  api = buildApi(app);
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

function routeTable(): FuzzRoute[] {
  const seen = new Set<string>();
  return api.routes
    .filter((route) => route.method !== "ALL")
    .filter((route) => {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .flatMap((route) =>
      // Better Auth's catch-all mount: fuzz the endpoints Studio uses (bodies from fuzz-requests' validBody).
      route.path === "/v1/auth/*"
        ? route.method === "POST"
          ? STUDIO_AUTH_POSTS.map((path) => ({ method: "POST", path }))
          : STUDIO_AUTH_GETS.map((path) => ({ method: "GET", path }))
        : [{ method: route.method, path: route.path }],
    );
}

const STUDIO_AUTH_POSTS = [
  "/v1/auth/sign-in/email",
  "/v1/auth/sign-up/email",
  "/v1/auth/sign-out",
  "/v1/auth/admin/create-user",
  "/v1/auth/admin/set-role",
  "/v1/auth/admin/ban-user",
];
const STUDIO_AUTH_GETS = ["/v1/auth/get-session", "/v1/auth/admin/list-users"];

function fuzzContext(): FuzzContext {
  const template = exampleTemplates.list()[0]!;
  return {
    adminKey: ADMIN_KEY,
    resendSecret: RESEND_SECRET,
    postmarkUser: "postmark",
    postmarkPass: "fuzz-pass-1234",
    templateKey: template.key,
    templateProps: template.previewProps as Record<string, unknown>,
    tokens: {
      unsubscribe: createUnsubscribeToken(
        { userId: "fuzz-user", email: "fuzz@example.com", category: null },
        LINK_SECRET,
      ),
      open: createOpenToken("00000000-0000-4000-8000-000000000000", LINK_SECRET),
      click: createClickToken("00000000-0000-4000-8000-000000000000", "https://example.com/a", LINK_SECRET),
    },
  };
}

interface Failure {
  index: number;
  label: string;
  url: string;
  problem: string;
}

async function send(request: FuzzRequest): Promise<{ status: number; text: string }> {
  const init: RequestInit = { method: request.method, headers: request.headers };
  if (request.body !== undefined) init.body = request.body;
  const res = await api.request(request.url, init);
  return { status: res.status, text: await res.text() };
}

const shorten = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max)}…` : text);

describe("input fuzzing over the route table", () => {
  it("no route answers 5xx, throws, or writes on a rejected request", async () => {
    const random = createRandom(SEED);
    const routes = routeTable();
    expect(routes.length).toBeGreaterThan(25);
    const context = fuzzContext();
    const requests = [
      ...systematicRequests(routes, random, context),
      ...Array.from({ length: RANDOM_REQUESTS }, () => buildRequest(random.pick(routes), random, context)),
    ];
    const snapshot = await createTableSnapshot(testDb.db, ["api_keys"]);
    const failures: Failure[] = [];
    let before: TableSnapshot = await snapshot();
    const statuses = new Map<string, number>();
    let acceptedWrites = 0;
    const started = performance.now();
    for (const [index, request] of requests.entries()) {
      const errorsBefore = serverErrors.length;
      let outcome: { status: number; text: string } | undefined;
      try {
        outcome = await send(request);
      } catch (error) {
        failures.push({ index, label: request.label, url: request.url, problem: `threw ${String(error)}` });
      }
      const after = await snapshot();
      if (outcome) {
        const kind = `${Math.floor(outcome.status / 100)}xx`;
        statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
        if (outcome.status < 400 && diffSnapshots(before, after).length > 0) acceptedWrites++;
      }
      if (outcome && outcome.status >= 500) {
        const cause = serverErrors.slice(errorsBefore).map((line) => {
          const parsed = JSON.parse(line) as { err?: { message?: string } };
          return parsed.err?.message ?? line;
        });
        failures.push({
          index,
          label: request.label,
          url: request.url,
          problem: `${outcome.status} ${shorten(outcome.text)} ${shorten(cause.join(" | "), 300)}`,
        });
      } else if (outcome && outcome.status >= 400) {
        // A refused request still counts against its rate limit (a refused sign-in most of all): that is the
        // one write a 4xx may make.
        const written = diffSnapshots(before, after).filter(
          (change) => !change.startsWith("studio_rate_limits:"),
        );
        if (written.length > 0) {
          failures.push({
            index,
            label: request.label,
            url: request.url,
            problem: `${outcome.status} but wrote ${written.join(", ")}`,
          });
        }
      }
      before = after;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const spread = [...statuses].sort().map(([kind, count]) => `${kind} ${count}`);
    console.info(
      `input fuzz: seed ${SEED}, ${requests.length} requests over ${routes.length} routes in ${seconds} s ` +
        `(${spread.join(", ")}; ${acceptedWrites} accepted requests wrote rows)`,
    );
    if (failures.length > 0) {
      const byRoute = new Map<string, Failure[]>();
      for (const failure of failures) {
        // One line per route and kind of failure: the status and the logged cause, without the varying values.
        const kind = `${failure.label} ${failure.problem.replace(/\{"error".*?\}\} /, "").replace(/"[^"]*"/g, '"…"')}`;
        byRoute.set(kind, [...(byRoute.get(kind) ?? []), failure]);
      }
      const report = [...byRoute].map(
        ([kind, list]) =>
          `${shorten(kind, 200)}: ${list.length}x, e.g. #${list[0]!.index} ${shorten(list[0]!.url, 100)} -> ${shorten(list[0]!.problem, 300)}`,
      );
      console.error(`input fuzz failed with seed ${SEED} (HOGSEND_FUZZ_SEED=${SEED}):\n${report.join("\n")}`);
    }
    // The write check is only worth something if the snapshot sees writes, and the data only if some is accepted.
    expect(acceptedWrites, "accepted requests that wrote rows").toBeGreaterThan(100);
    expect(failures.length, `seed ${SEED}: ${failures.length} failure(s), see the report above`).toBe(0);
    expect(
      ({} as Record<string, unknown>).polluted,
      `seed ${SEED}: Object.prototype was polluted`,
    ).toBeUndefined();
  }, 180_000);
});
