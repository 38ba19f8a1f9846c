import { Hono } from "hono";
import { z } from "zod";
import { createRenderTemplate } from "../email/templates/render-template.js";
import { TEMPLATE_PROPS_LIMITS } from "../email/templates/template-props-limits.js";
import { safeJsonObjectString, safeText } from "../lib/input-guard/index.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseParams, parseQuery } from "./parse-body.js";
import { requireApiKey } from "./require-api-key.js";

const keyParam = z.object({ key: safeText(200) });
const previewQuery = z.object({
  props: safeJsonObjectString(TEMPLATE_PROPS_LIMITS).optional(),
  format: z.enum(["html", "text"]).optional(),
});

/**
 * Templates (admin key): `GET /v1/admin/templates` lists keys, categories and example props;
 * `GET /v1/admin/templates/:key/preview?props={json}&format=html|text` renders one (keys contain `/`,
 * e.g. `/v1/admin/templates/activation/welcome/preview`; URL-encoded keys work too). Without `props` the
 * template's example props are used.
 */
export function createAdminTemplateRoutes({ authenticate, templates }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  const renderTemplate = createRenderTemplate(templates);
  const admin = requireApiKey(authenticate, ["admin"]);
  routes.use("/v1/admin/templates", admin);
  routes.use("/v1/admin/templates/*", admin);

  routes.get("/v1/admin/templates", (c) =>
    c.json({
      data: templates.list().map((t) => ({
        key: t.key,
        category: t.category,
        description: t.description ?? null,
        previewProps: t.previewProps ?? {},
      })),
    }),
  );

  routes.get("/v1/admin/templates/:key{.+}/preview", async (c) => {
    // Hono has already decoded the parameter once; decoding again would turn `%25` into a URIError.
    const { key } = parseParams(keyParam, c);
    const query = parseQuery(previewQuery, c);
    const template = templates.get(key);
    const rendered = await renderTemplate(key, query.props ?? template.previewProps ?? {});
    if (query.format === "text") return c.text(rendered.text);
    return c.html(rendered.html);
  });
  return routes;
}
