import { Hono } from "hono";
import { renderTemplate } from "../email/templates/render-template.js";
import { getTemplate, listTemplates } from "../email/templates/template-registry.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { requireApiKey } from "./require-api-key.js";

/**
 * Templates (admin key): `GET /v1/admin/templates` lists keys, categories and example props;
 * `GET /v1/admin/templates/:key/preview?props={json}&format=html|text` renders one (keys contain `/`,
 * e.g. `/v1/admin/templates/activation/welcome/preview`; URL-encoded keys work too). Without `props` the
 * template's example props are used.
 */
export function createAdminTemplateRoutes({ authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  const admin = requireApiKey(authenticate, ["admin"]);
  routes.use("/v1/admin/templates", admin);
  routes.use("/v1/admin/templates/*", admin);

  routes.get("/v1/admin/templates", (c) =>
    c.json({
      data: listTemplates().map((t) => ({
        key: t.key,
        category: t.category,
        description: t.description,
        previewProps: t.previewProps,
      })),
    }),
  );

  routes.get("/v1/admin/templates/:key{.+}/preview", async (c) => {
    const key = decodeURIComponent(c.req.param("key"));
    const template = getTemplate(key);
    const rawProps = c.req.query("props");
    let props: unknown = template.previewProps;
    if (rawProps !== undefined) {
      try {
        props = JSON.parse(rawProps);
      } catch {
        throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "props must be JSON", {
          details: [{ path: "props", message: "not valid JSON" }],
        });
      }
    }
    const rendered = await renderTemplate(key, props);
    if (c.req.query("format") === "text") return c.text(rendered.text);
    return c.html(rendered.html);
  });
  return routes;
}
