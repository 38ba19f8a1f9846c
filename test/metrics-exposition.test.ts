import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricsServer } from "../src/api/metrics-server.js";
import {
  type App,
  type BackgroundWork,
  createApp,
  type RunningServer,
  startApiServer,
  startMetrics,
  startWorker,
} from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { sendEmail } from "../src/email/index.js";
import { days, defineJourney, hours } from "../src/index.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { FakeResendServer } from "./helpers/fake-resend-server.js";
import {
  HAS_PROMTOOL,
  type MetricFamily,
  parsePrometheusText,
  promtoolCheck,
} from "./helpers/prometheus-text.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const ADMIN_KEY = "test-admin-key-metrics-0123456789abcdef";
const METRICS_TOKEN = "metrics-token-0123456789abcdef";

const journey = defineJourney({
  meta: {
    id: "metrics-welcome",
    name: "Metrics welcome",
    enabled: true,
    trigger: { event: "user.signed_up" },
    entryLimit: "unlimited",
    suppress: hours(0),
  },
  run: async (user, ctx) => {
    await sendEmail({ to: user.email, userId: user.id, template: "activation/welcome", subject: "Welcome" });
    await ctx.sleep({ duration: days(1), label: "a-day" });
  },
});

let database: TestDatabase;
let resend: FakeResendServer;
let apiApp: App;
let workerApp: App;
let api: RunningServer;
let worker: BackgroundWork;
let workerMetrics: MetricsServer;
let apiText = "";
let workerText = "";

function env(extra: Record<string, string>) {
  return loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    HOGSEND_API_KEY: ADMIN_KEY,
    EMAIL_PROVIDER: "resend",
    RESEND_API_KEY: resend.apiKey,
    RESEND_BASE_URL: resend.baseUrl,
    RESEND_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    EMAIL_FROM: "Hogsend <hello@example.com>",
    EMAIL_RATE_LIMIT_PER_SECOND: "0",
    EMAIL_RETRY_BASE_MS: "50",
    HOGSEND_POLL_INTERVAL_MS: "200",
    ...extra,
  });
}

const scrapeApi = async (token?: string) =>
  fetch(
    `http://127.0.0.1:${api.port}/metrics`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
const scrapeWorker = async () => (await fetch(`http://127.0.0.1:${workerMetrics.port}/metrics`)).text();

/** The first sample named `name` (a histogram's `_count` too) whose labels include `labels`; 0 when none. */
function sampleValue(text: string, name: string, labels: Record<string, string>): number {
  for (const family of parsePrometheusText(text).values()) {
    const found = family.samples.find(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
    if (found) return found.value;
  }
  return 0;
}

/** expect.poll is for tests only; the traffic is made once, before them. */
async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  resend = await new FakeResendServer().start();
  // One failed provider call, so the error and retry families have samples from real traffic.
  resend.failNext({ status: 503 });
  workerApp = await createApp(env({ HOGSEND_METRICS_PORT: "0" }), {
    templates: exampleTemplates,
    journeys: [journey],
    databaseUrl: database.url,
    metricsSampleIntervalMs: 200,
  });
  apiApp = await createApp(env({ HOGSEND_METRICS_TOKEN: METRICS_TOKEN }), {
    templates: exampleTemplates,
    journeys: [journey],
    databaseUrl: database.url,
    metricsSampleIntervalMs: 200,
  });
  worker = await startWorker(workerApp);
  const served = await startMetrics(workerApp);
  if (!served) throw new Error("HOGSEND_METRICS_PORT was set: the worker must serve metrics");
  workerMetrics = served;
  api = await startApiServer(apiApp, 0);

  const base = `http://127.0.0.1:${api.port}`;
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
  const event = {
    event: "user.signed_up",
    userId: "metrics-user-1",
    userEmail: "m1@example.com",
    messageId: "m-1",
  };
  for (const body of [event, event, { batch: [{ event: "x" }, { userId: "no-event" }] }]) {
    await fetch(`${base}/v1/ingest`, { method: "POST", headers, body: JSON.stringify(body) });
  }
  await fetch(`${base}/v1/health`);
  await fetch(`${base}/v1/admin/contacts/metrics-user-1`, { headers });
  await fetch(`${base}/v1/admin/contacts/someone-else-42`, { headers });
  await fetch(`${base}/no/such/path/7f3a`);
  await fetch(`${base}/v1/webhooks/resend`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });

  // The journey sends (after one retry) and sleeps: wait for both to show in the worker's and the api's output.
  await waitFor(async () => {
    workerText = await scrapeWorker();
    return sampleValue(workerText, "hogsend_email_messages_total", { status: "sent" }) === 1;
  }, 45_000);
  await waitFor(async () => {
    apiText = await (await scrapeApi(METRICS_TOKEN)).text();
    return (
      sampleValue(apiText, "hogsend_journey_runs", { journey: "metrics-welcome", status: "waiting" }) === 1
    );
  }, 30_000);
  workerText = await scrapeWorker();
}, 120_000);

afterAll(async () => {
  await api?.close();
  await workerMetrics?.close();
  await worker?.stop(1_000);
  await apiApp?.close();
  await workerApp?.close();
  await resend?.stop();
  await database?.drop();
});

/** Every family Hogsend itself defines (not Node's), from the catalog's own registries. */
function hogsendFamilies(families: Map<string, MetricFamily>): string[] {
  return [...families.keys()].filter((name) => name.startsWith("hogsend_"));
}

describe("the /metrics exposition", () => {
  it("is guarded on the api port by the bearer token", async () => {
    expect((await scrapeApi()).status).toBe(401);
    expect((await scrapeApi("metrics-token-wrong-000000000")).status).toBe(401);
    expect((await scrapeApi(`${METRICS_TOKEN}x`)).status).toBe(401);
    const ok = await scrapeApi(METRICS_TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("is not served on the api port without a token", async () => {
    const { buildApi } = await import("../src/app.js");
    const res = await buildApi(workerApp).request("/metrics");
    expect(res.status).toBe(404);
  });

  it("passes promtool check metrics on the api's and the worker's output", () => {
    if (!HAS_PROMTOOL) {
      if (process.env.CI === "true")
        throw new Error("promtool is missing: the pretest hook builds it (go install)");
      console.warn("promtool missing (npm test's pretest hook builds it); skipping the promtool check");
      return;
    }
    for (const [which, text] of [
      ["api", apiText],
      ["worker", workerText],
    ] as const) {
      const checked = promtoolCheck(text);
      expect({ which, ...checked }).toEqual({ which, status: 0, output: "" });
    }
  });

  it("parses strictly, and every family of the catalog has samples from real traffic", () => {
    const apiFamilies = parsePrometheusText(apiText);
    const workerFamilies = parsePrometheusText(workerText);
    const names = new Set([...hogsendFamilies(apiFamilies), ...hogsendFamilies(workerFamilies)]);
    // The whole catalog is registered in every process; assert it is all there, then that each has data.
    expect([...names].sort()).toEqual(hogsendFamilies(apiFamilies).sort());
    const empty = [...names].filter(
      (name) =>
        (apiFamilies.get(name)?.samples.length ?? 0) + (workerFamilies.get(name)?.samples.length ?? 0) === 0,
    );
    expect(empty, JSON.stringify(empty)).toEqual([]);
    // Node's process metrics under their standard names.
    for (const name of [
      "process_cpu_seconds_total",
      "nodejs_heap_size_used_bytes",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(apiFamilies.has(name) || apiFamilies.has(name.replace(/_total$/, ""))).toBe(true);
    }
  });

  it("counts what happened, labelled by route templates and bounded values only", () => {
    expect(sampleValue(apiText, "hogsend_events_ingested_total", { source: "api" })).toBe(1);
    expect(sampleValue(apiText, "hogsend_events_duplicates_total", { source: "api" })).toBe(1);
    expect(sampleValue(apiText, "hogsend_events_rejected_total", { source: "api", reason: "invalid" })).toBe(
      2,
    );
    expect(sampleValue(apiText, "hogsend_http_requests_total", { route: "/v1/ingest", status: "202" })).toBe(
      2,
    );
    expect(sampleValue(apiText, "hogsend_http_requests_total", { route: "/v1/ingest", status: "400" })).toBe(
      1,
    );
    expect(sampleValue(apiText, "hogsend_http_requests_total", { route: "unmatched", status: "404" })).toBe(
      1,
    );
    expect(
      sampleValue(apiText, "hogsend_webhook_receipts_total", { source: "resend", outcome: "unauthorized" }),
    ).toBe(1);
    expect(apiText).toMatch(/route="\/v1\/admin\/contacts\/:userId"/);
    expect(apiText).not.toMatch(/metrics-user-1|someone-else-42|7f3a/);
    expect(
      sampleValue(workerText, "hogsend_email_messages_total", { status: "retried", provider: "resend" }),
    ).toBe(1);
    expect(
      sampleValue(workerText, "hogsend_email_provider_errors_total", {
        provider: "resend",
        kind: "retryable",
      }),
    ).toBe(1);
    expect(
      sampleValue(workerText, "hogsend_journey_executions_total", {
        journey: "metrics-welcome",
        outcome: "suspended",
      }),
    ).toBe(1);
    expect(sampleValue(workerText, "hogsend_journey_wake_lag_seconds_count", {})).toBeGreaterThanOrEqual(1);
    expect(sampleValue(workerText, "hogsend_events_routed_total", {})).toBe(1);
    expect(sampleValue(workerText, "hogsend_workers_live", {})).toBe(1);
  });
});

describe("the Grafana dashboard", () => {
  it("uses only metric names that the api or the worker exposes", () => {
    const dashboard = JSON.parse(readFileSync("deploy/grafana/hogsend-dashboard.json", "utf8"));
    const expressions: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
          if (key === "expr" && typeof value === "string") expressions.push(value);
          else walk(value);
        }
      }
    };
    walk(dashboard);
    expect(expressions.length).toBeGreaterThan(15);
    const exposed = new Set<string>();
    for (const text of [apiText, workerText]) {
      for (const family of parsePrometheusText(text).values()) {
        for (const sample of family.samples) exposed.add(sample.name);
        exposed.add(family.name);
      }
    }
    const used = new Set(expressions.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !exposed.has(name)).sort()).toEqual([]);
  });
});

const PROMQL_WORDS = new Set([
  "sum",
  "rate",
  "irate",
  "increase",
  "max",
  "min",
  "avg",
  "count",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "histogram_quantile",
  "clamp_min",
  "clamp_max",
  "time",
  "vector",
  "scalar",
  "and",
  "or",
  "unless",
  "offset",
  "bool",
  "topk",
  "bottomk",
  "abs",
  "delta",
  "deriv",
  "le",
  "label_replace",
  "max_over_time",
  "min_over_time",
  "avg_over_time",
  "changes",
  "resets",
  "absent",
]);

/** Metric names in a PromQL expression: identifiers outside label matchers, `by (…)` lists and strings. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\$\w+/g, "");
  return (stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((word) => !PROMQL_WORDS.has(word));
}

describe("the strict text-format parse", () => {
  it("accepts Go's float syntax (NaN, ±Inf in any case) and refuses malformed lines", () => {
    const ok = '# HELP a x\n# TYPE a gauge\na Nan\na{l="v"} +Inf\na{l="w"} 1.5e-3\na{l="z"} -12\n';
    expect(
      parsePrometheusText(ok)
        .get("a")
        ?.samples.map((sample) => sample.value),
    ).toEqual([Number.NaN, Number.POSITIVE_INFINITY, 0.0015, -12]);
    for (const bad of [
      "# TYPE a gauge\na 1x\n",
      "# TYPE a gauge\na{l=v} 1\n",
      "a 1\n",
      "# TYPE a counter\nb 1\n",
    ]) {
      expect(() => parsePrometheusText(bad)).toThrow();
    }
  });
});
