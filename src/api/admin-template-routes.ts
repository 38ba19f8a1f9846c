import { createRoute, z } from "@hono/zod-openapi";
import { getContact } from "../contacts/contact-store.js";
import { sendTestEmail } from "../email/send-test-email.js";
import {
  createRenderTemplate,
  resolveTemplateProps,
  templateSubject,
} from "../email/templates/render-template.js";
import { TEMPLATE_PROPS_LIMITS } from "../email/templates/template-props-limits.js";
import { templatePropsSchema } from "../email/templates/template-props-schema.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { safeJsonObject, safeJsonObjectString, safeText } from "../lib/input-guard/index.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import { API_KEY_SECURITY, createRouter, dataOf, errors, json, jsonBody, pageOf } from "./openapi-router.js";

const TemplateSchema = z
  .object({
    key: z.string(),
    category: z.string(),
    description: z.string().nullable(),
    previewProps: z.unknown(),
    propsSchema: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "JSON Schema (draft 2020-12) of the props, from the template's zod schema" }),
  })
  .openapi("Template");

const propsField = safeJsonObject(TEMPLATE_PROPS_LIMITS).optional().meta({
  type: "object",
  additionalProperties: true,
  description: "Props, checked against the template's schema",
});

const keyParam = z.object({
  key: safeText(200).openapi({ param: { name: "key", in: "path" }, example: "activation/welcome" }),
});

const renderPreviewRoute = createRoute({
  method: "post",
  path: "/templates/{key{.+}}/preview",
  tags: ["Templates"],
  summary: "Render a template with props and/or as a contact, as JSON (subject, html, text)",
  description:
    "`asContact` renders as that contact would get it: their properties fill the props the request leaves out " +
    "(explicit props win), and the component sees the contact.",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    params: keyParam,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            props: propsField,
            asContact: safeText(500).optional().openapi({ description: "A contact's user id" }),
          }),
        },
      },
    },
  },
  responses: {
    200: json(
      dataOf(z.object({ subject: z.string().nullable(), html: z.string(), text: z.string() })),
      "The rendered email",
    ),
    ...errors(400, 401, 403, 404, 415),
  },
});

const testSendRoute = createRoute({
  method: "post",
  path: "/templates/{key{.+}}/test-send",
  tags: ["Templates"],
  summary: "Send a test email of a template through the outbox (audited)",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    params: keyParam,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({
            to: z.email().max(320),
            props: propsField,
            subject: safeText(998, { min: 1 }).optional(),
          }),
        },
      },
    },
  },
  responses: {
    202: json(dataOf(z.object({ messageId: z.string(), status: z.string() })), "Queued"),
    ...errors(400, 401, 403, 404, 415),
  },
});

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
      asContact: safeText(500)
        .optional()
        .openapi({ description: "Render as this contact (user id): their properties fill props left out" }),
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
export function createAdminTemplateRoutes({ db, templates }: RouteContext) {
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
            propsSchema: templatePropsSchema(t),
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
      // A GET, so a read-only Studio viewer can preview as a contact too (the POST form is refused to viewers).
      const contact = query.asContact === undefined ? undefined : await getContact(db, query.asContact);
      if (query.asContact !== undefined && !contact) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No contact ${query.asContact}`);
      }
      const rendered = await renderTemplate(
        key,
        query.props ?? (contact ? {} : (template.previewProps ?? {})),
        contact
          ? { id: contact.userId, email: contact.email ?? "", properties: contact.properties }
          : undefined,
      );
      if (query.format === "text") return c.text(rendered.text, 200);
      return c.html(rendered.html, 200);
    })
    .openapi(renderPreviewRoute, async (c) => {
      const { key } = c.req.valid("param");
      const body = c.req.valid("json");
      const template = templates.get(key);
      const contact = body.asContact === undefined ? undefined : await getContact(db, body.asContact);
      if (body.asContact !== undefined && !contact) {
        throw new HogsendError(ErrorCodes.NOT_FOUND, `No contact ${body.asContact}`);
      }
      const props = body.props ?? (contact ? {} : (template.previewProps ?? {}));
      const rendered = await renderTemplate(
        key,
        props,
        contact
          ? { id: contact.userId, email: contact.email ?? "", properties: contact.properties }
          : undefined,
      );
      const resolved = resolveTemplateProps(template, props, contact?.properties);
      return c.json(
        {
          data: {
            subject: templateSubject(template, resolved) ?? null,
            html: rendered.html,
            text: rendered.text,
          },
        },
        200,
      );
    })
    .openapi(testSendRoute, async (c) => {
      const { key } = c.req.valid("param");
      const body = c.req.valid("json");
      const sent = await sendTestEmail(
        db,
        templates,
        { key, to: body.to, props: body.props, subject: body.subject },
        auditContextOf(c),
      );
      return c.json({ data: sent }, 202);
    });
}
