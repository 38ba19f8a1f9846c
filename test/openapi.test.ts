import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApi, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/** `GET /v1/openapi.json`: a valid OpenAPI 3.1 document of every route the app serves. */
let testDb: TestDatabase;
let app: App;
let api: ReturnType<typeof buildApi>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  app = await createApp(
    loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: "test-admin-key-openapi-0123456789" }),
    {
      databaseUrl: testDb.url,
    },
  );
  api = buildApi(app);
});

afterAll(async () => {
  await app?.close();
  await testDb?.drop();
});

type Operation = {
  security?: unknown[];
  responses: Record<string, unknown>;
  parameters?: Array<{ in: string }>;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

async function fetchDocument(): Promise<Document> {
  const res = await api.request("/v1/openapi.json");
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as Document;
}

/** Hono's `/v1/admin/contacts/:userId` and `/v1/admin/templates/:key{.+}/preview` as OpenAPI paths. */
const toOpenApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
// Better Auth's own routes (/v1/auth/*, Studio logins) are its, not declared here: the README lists them.
const UNDOCUMENTED = new Set(["/v1/openapi.json", "/docs", "/docs/scalar.js", "/v1/auth/*"]);

const isStudioFile = (path: string) => path === "/studio" || path.startsWith("/studio/");

describe("GET /v1/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents every route the app serves, with its methods", async () => {
    const document = await fetchDocument();
    const served = new Set(
      api.routes
        // Studio's static files (/studio, the web app) are not API routes.
        .filter(
          (route) => route.method !== "ALL" && !UNDOCUMENTED.has(route.path) && !isStudioFile(route.path),
        )
        .map((route) => `${route.method.toLowerCase()} ${toOpenApiPath(route.path)}`),
    );
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`)),
    );
    expect([...served].sort()).toEqual([...documented].sort());
    expect(served.size).toBeGreaterThan(25);
  });

  it("describes both API key schemes, webhook auth, and the one error shape on every failing answer", async () => {
    const document = await fetchDocument();
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual([
      "apiKeyHeader",
      "bearerAuth",
      "postmarkBasic",
      "segmentWriteKey",
      "sourceSignature",
      "svixSignature",
      "webhookSecret",
    ]);
    expect(document.components.schemas.Error).toBeDefined();
    expect(document.components.schemas.FieldProblem).toBeDefined();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const label = `${method} ${path}`;
        if (path.startsWith("/v1/admin/") || path === "/v1/ingest" || path === "/v1/send") {
          expect(operation.security, label).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
          expect(Object.keys(operation.responses), label).toEqual(expect.arrayContaining(["401", "503"]));
        }
        if (path.startsWith("/v1/webhooks/")) expect(operation.security, label).toBeDefined();
        for (const [status, response] of Object.entries(operation.responses)) {
          const schema = (response as { content?: Record<string, { schema?: { $ref?: string } }> }).content?.[
            "application/json"
          ]?.schema;
          if (Number(status) >= 400 && schema && !path.startsWith("/v1/health"))
            expect(schema.$ref, `${label} ${status}`).toBe("#/components/schemas/Error");
        }
      }
    }
  });

  it("names a bad path parameter as a path parameter", async () => {
    const res = await api.request(`/v1/admin/runs/${"x".repeat(300)}`, {
      headers: { Authorization: "Bearer test-admin-key-openapi-0123456789" },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: Array<{ path: string }> } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details[0]?.path).toBe("params.runId");
  });
});
