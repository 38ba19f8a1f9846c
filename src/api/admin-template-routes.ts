import { createRoute, z } from "@hono/zod-openapi";
import { createRenderTemplate } from "../email/templates/render-template.js";
import { TEMPLATE_PROPS_LIMITS } from "../email/templates/template-props-limits.js";
import { safeJsonObjectString, safeText } from "../lib/input-guard/index.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, errors, json, pageOf } from "./openapi-router.js";

const TemplateSchema = z
  .object({
    key: z.string(),
    category: z.string(),
    description: z.string().nullable(),
    previewProps: z.unknown(),
  })
  .openapi("Template");

const listRoute = createRoute({
  method: "get",
  path: "/templates",
  tags: ["Templates"],
  summary: "Template keys, categories and example props",
  security: API_KEY_SECURITY,
  responses: { 200: json(pageOf(TemplateSchema), "Every registered template"), ...errors(401, 403) },
});

/**
 * Keys contain `/` (`activation/welcome`), so the parameter matches the rest of the path up to `/preview`
 * (`{key{.+}}` is Hono's pattern; the document shows it as `{key}`). URL-encoded keys work too.
 */
const previewRoute = createRoute({
  method: "get",
  path: "/templates/{key{.+}}/preview",
  tags: ["Templates"],
  summary: "Render a template with example or given props",
  security: API_KEY_SECURITY,
  request: {
    params: z.object({
      key: safeText(200).openapi({ param: { name: "key", in: "path" }, example: "activation/welcome" }),
    }),
    query: z.object({
      props: safeJsonObjectString(TEMPLATE_PROPS_LIMITS)
        .optional()
        .openapi({ type: "string", description: "Props as a JSON object; the example props by default" }),
      format: z.enum(["html", "text"]).optional(),
    }),
  },
  responses: {
    200: {
      description: "The rendered email",
      content: { "text/html": { schema: { type: "string" } }, "text/plain": { schema: { type: "string" } } },
    },
    ...errors(400, 401, 403, 404),
  },
});

/** Templates: the registry, and a preview of one. */
export function createAdminTemplateRoutes({ templates }: RouteContext) {
  const renderTemplate = createRenderTemplate(templates);
  return createRouter()
    .openapi(listRoute, (c) =>
      c.json(
        {
          data: templates.list().map((t) => ({
            key: t.key,
            category: t.category,
            description: t.description ?? null,
            previewProps: t.previewProps ?? {},
          })),
          nextCursor: null,
        },
        200,
      ),
    )
    .openapi(previewRoute, async (c) => {
      // Hono has already decoded the parameter once; decoding again would turn `%25` into a URIError.
      const { key } = c.req.valid("param");
      const query = c.req.valid("query");
      const template = templates.get(key);
      const rendered = await renderTemplate(key, query.props ?? template.previewProps ?? {});
      if (query.format === "text") return c.text(rendered.text, 200);
      return c.html(rendered.html, 200);
    });
}
