import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import type { ApiEnv } from "./api-env.js";

const SCALAR_BUNDLE = "@scalar/api-reference/browser/standalone.js";
// `npm run build` copies the bundle here (dist/assets/), so the published package serves its docs without
// @scalar/api-reference and its dependency tree (Vue, TypeScript …) in production installs.
const BUILT_BUNDLE = new URL("../assets/scalar-standalone.js", import.meta.url);

function readScalarBundle(): string {
  if (existsSync(BUILT_BUNDLE)) return readFileSync(BUILT_BUNDLE, "utf8");
  // From source (this repository), the package is a devDependency.
  return readFileSync(createRequire(import.meta.url).resolve(SCALAR_BUNDLE), "utf8");
}

/** OpenAPI 3.1 for every route declared on `app` (the whole API), with our auth schemes. */
export function buildOpenApiDocument(app: OpenAPIHono<ApiEnv>, version: string): Record<string, unknown> {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key as `Authorization: Bearer <key>`",
  });
  registry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-Api-Key",
    description: "The same API key in `X-Api-Key`",
  });
  registry.registerComponent("securitySchemes", "svixSignature", {
    type: "apiKey",
    in: "header",
    name: "svix-signature",
    description: "Resend webhooks: a Svix signature (with `svix-id` and `svix-timestamp`) over the raw body",
  });
  registry.registerComponent("securitySchemes", "postmarkBasic", {
    type: "http",
    scheme: "basic",
    description: "Postmark webhooks: POSTMARK_WEBHOOK_USER / POSTMARK_WEBHOOK_PASS",
  });
  registry.registerComponent("securitySchemes", "sourceSignature", {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description:
      "Inbound sources: the sender's signature (Standard Webhooks `webhook-*` headers or x-posthog-webhook-secret " +
      "for PostHog, `stripe-signature` for Stripe, your own scheme for a source you define)",
  });
  registry.registerComponent("securitySchemes", "segmentWriteKey", {
    type: "http",
    scheme: "basic",
    description: "Segment-compatible API: SEGMENT_WRITE_KEY as the username, empty password",
  });
  registry.registerComponent("securitySchemes", "webhookSecret", {
    type: "apiKey",
    in: "header",
    name: "X-Hogsend-Webhook-Secret",
    description: "Postmark webhooks: POSTMARK_WEBHOOK_SECRET",
  });
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Hogsend API",
      version,
      description:
        "Ingest events, send transactional email, and administer contacts, journeys and the outbox. Every error " +
        "is `{ error: { code, message, details? } }`; a validation error's details name each bad field " +
        "(`{ path, message }`, plus `index` in an ingest batch). Lists are `{ data, nextCursor }` (pass " +
        "`nextCursor` back as `cursor`), single resources `{ data }`.",
    },
    servers: [{ url: "/" }],
  });
  // Hono's pattern for keys with slashes (`{key{.+}}`) is a plain `{key}` in OpenAPI.
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    paths[path.replace(/\{(\w+)\{[^}]*\}\}/g, "{$1}")] = item;
  }
  return { ...document, paths } as Record<string, unknown>;
}

/**
 * `GET /v1/openapi.json` and `GET /docs`: the API reference, rendered by Scalar's standalone bundle served from
 * this process (`/docs/scalar.js`), never from a CDN, so an air-gapped install has its docs.
 */
export function createDocsRoutes(document: () => Record<string, unknown>): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  let bundle: string | undefined;
  routes.get("/v1/openapi.json", (c) => c.json(document()));
  routes.get("/docs/scalar.js", (c) => {
    bundle ??= readScalarBundle();
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(bundle, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
  routes.get("/docs", (c) => c.html(DOCS_PAGE));
  return routes;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hogsend API reference</title>
</head>
<body>
<div id="app"></div>
<script src="/docs/scalar.js"></script>
<script>
Scalar.createApiReference("#app", {
  url: "/v1/openapi.json",
  withDefaultFonts: false,
  hideClientButton: true,
  showDeveloperTools: "never",
  agent: { disabled: true },
  telemetry: false,
});
</script>
</body>
</html>`;
