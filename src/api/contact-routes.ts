import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  checkEmail,
  checkProperties,
  checkUserId,
  findUnsafeContactValue,
} from "../contacts/contact-input.js";
import { IMPORT_FORMATS, type ImportFormat, parseContactRows } from "../contacts/contact-row-parsers.js";
import { exportContacts } from "../contacts/export-contacts.js";
import { importContacts } from "../contacts/import-contacts.js";
import { listContacts } from "../contacts/list-contacts.js";
import { putContact } from "../contacts/put-contact.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { boundedInt, safeText } from "../lib/input-guard/index.js";
import { eraseContact } from "../people/erase-person.js";
import { getContactProfile } from "../people/person-profile.js";
import type { ApiEnv } from "./api-env.js";
import { auditContextOf } from "./audit-context.js";
import type { RouteContext } from "./create-api.js";
import {
  API_KEY_SECURITY,
  createRouter,
  cursorParam,
  dataOf,
  errors,
  json,
  jsonBody,
  pageOf,
} from "./openapi-router.js";

/** A user id as a path parameter: the same rule as ingest's `userId`. */
export const userIdParam = z.object({
  userId: z
    .string()
    .superRefine((value, ctx) => {
      const problem = checkUserId(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .openapi({ param: { name: "userId", in: "path" }, example: "user_123" }),
});

export const ContactSchema = z
  .object({
    userId: z.string(),
    email: z.string().nullable(),
    properties: z.record(z.string(), z.unknown()),
    subscribed: z.boolean(),
    unsubscribedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastSeenAt: z.string().nullable(),
  })
  .openapi("Contact");

const ContactProfileSchema = z
  .object({
    contact: ContactSchema,
    subscription: z.object({
      subscribed: z.boolean(),
      unsubscribedAt: z.string().nullable(),
      suppression: z.object({ reason: z.string(), createdAt: z.string() }).nullable(),
      categories: z.array(z.object({ category: z.string(), unsubscribedAt: z.string().nullable() })),
    }),
    recentEvents: z.array(z.object({ id: z.number(), event: z.string() })),
    journeyRuns: z.array(z.object({ runId: z.string(), journeyId: z.string(), status: z.string() })),
    recentMessages: z.array(z.object({ id: z.string(), template: z.string(), status: z.string() })),
  })
  .openapi("ContactProfile");

const ImportSummarySchema = z
  .object({
    rows: z.number().int(),
    imported: z.number().int(),
    failed: z.number().int(),
    errors: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  })
  .openapi("ContactImportSummary");

const EraseResultSchema = z
  .object({
    erased: z.literal(true),
    found: z.boolean().openapi({ description: "False when nothing was stored (already erased): still 200" }),
    events: z.number().int(),
    messages: z.number().int(),
    journeyRuns: z.number().int(),
  })
  .openapi("ContactErasure");

const formatQuery = z.strictObject({ format: z.enum(IMPORT_FORMATS).optional() });

const putFields = z
  .strictObject({
    email: z.string().nullable().optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    subscribed: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    const emailProblem = checkEmail(input.email);
    if (emailProblem) ctx.addIssue({ code: "custom", message: emailProblem, path: ["email"] });
    const propertiesProblem = input.properties === undefined ? undefined : checkProperties(input.properties);
    if (propertiesProblem) {
      ctx.addIssue({ code: "custom", message: propertiesProblem, path: ["properties"] });
    }
  });

/**
 * The raw body is held to the storable-JSON guard before its fields are parsed, as ingest does (parsing a
 * `__proto__` key into a record would set a prototype). Typed as the fields it parses to, for the client.
 */
const putBody = z
  .unknown()
  .superRefine((raw, ctx) => {
    const unsafe = findUnsafeContactValue(raw);
    if (unsafe) ctx.addIssue({ code: "custom", message: unsafe.reason, path: [unsafe.field] });
  })
  .pipe(putFields)
  .openapi({
    type: "object",
    properties: {
      email: { type: ["string", "null"], format: "email" },
      properties: { type: "object", additionalProperties: true },
      subscribed: { type: "boolean" },
    },
    additionalProperties: false,
  }) as unknown as typeof putFields;

const listContactsRoute = createRoute({
  method: "get",
  path: "/contacts",
  tags: ["Contacts"],
  summary: "List or search contacts",
  security: API_KEY_SECURITY,
  request: {
    query: z.strictObject({
      search: safeText(320).optional().openapi({ description: "Substring of the user id or email (scans)" }),
      q: safeText(500, { min: 1 })
        .optional()
        .openapi({
          description:
            "Indexed search: an exact user id, an email prefix (case-insensitive), or `property:value` " +
            "(a contact property equal to the value; `plan:pro`, `seats:3`, `beta:true`)",
        }),
      cursor: cursorParam,
      limit: boundedInt(1, 1000).default(100),
    }),
  },
  responses: {
    200: json(pageOf(ContactSchema), "A page of contacts in user id order"),
    ...errors(400, 401, 403),
  },
});

const exportContactsRoute = createRoute({
  method: "get",
  path: "/contacts/export",
  tags: ["Contacts"],
  summary: "Export every contact (streamed)",
  security: API_KEY_SECURITY,
  request: { query: formatQuery },
  responses: {
    200: {
      description: "Every contact, streamed as NDJSON (default) or CSV; re-imports as is",
      content: {
        "application/x-ndjson": { schema: { type: "string" } },
        "text/csv": { schema: { type: "string" } },
      },
    },
    ...errors(400, 401, 403),
  },
});

const importContactsRoute = createRoute({
  method: "post",
  path: "/contacts/import",
  tags: ["Contacts"],
  summary: "Import contacts from CSV or NDJSON (streamed)",
  security: API_KEY_SECURITY,
  request: {
    query: formatQuery,
    body: {
      description:
        "Rows with `userId` (or `user_id`), `email`, `properties`; parsed row by row, never buffered",
      content: {
        "text/csv": { schema: { type: "string" } },
        "application/x-ndjson": { schema: { type: "string" } },
      },
    },
  },
  responses: {
    200: json(dataOf(ImportSummarySchema), "What was imported; bad rows are reported, good ones kept"),
    ...errors(400, 401, 403, 415),
  },
});

const getContactRoute = createRoute({
  method: "get",
  path: "/contacts/{userId}",
  tags: ["Contacts"],
  summary: "A contact's full profile",
  security: API_KEY_SECURITY,
  request: { params: userIdParam },
  responses: {
    200: json(
      dataOf(ContactProfileSchema),
      "The contact, subscription state, recent events, runs and messages",
    ),
    ...errors(400, 401, 403, 404),
  },
});

const putContactRoute = createRoute({
  method: "put",
  path: "/contacts/{userId}",
  tags: ["Contacts"],
  summary: "Create or update a contact",
  security: API_KEY_SECURITY,
  middleware: [jsonBody] as const,
  request: {
    params: userIdParam,
    body: { required: true, content: { "application/json": { schema: putBody } } },
  },
  responses: {
    200: json(dataOf(ContactSchema), "Updated"),
    201: json(dataOf(ContactSchema), "Created"),
    ...errors(400, 401, 403, 413, 415),
  },
});

const eraseContactRoute = createRoute({
  method: "delete",
  path: "/contacts/{userId}",
  tags: ["Contacts"],
  summary: "Erase a contact (GDPR); idempotent",
  security: API_KEY_SECURITY,
  request: { params: userIdParam },
  responses: {
    200: json(dataOf(EraseResultSchema), "Erased, or nothing was stored for this user id"),
    ...errors(400, 401, 403),
  },
});

/**
 * Contacts admin API: list/search, the full profile, create/update, GDPR erase, and streamed CSV/NDJSON import
 * and export. Mounted under `/v1/admin`, which authenticates.
 */
export function createContactRoutes({ db }: RouteContext) {
  return createRouter()
    .openapi(listContactsRoute, async (c) => {
      const page = await listContacts(db, c.req.valid("query"));
      return c.json({ data: page.contacts, nextCursor: page.nextCursor }, 200);
    })
    .openapi(exportContactsRoute, (c) => {
      const format = c.req.valid("query").format ?? "ndjson";
      const chunks = exportContacts(db, format);
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
      return c.body(stream, 200, {
        "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
        "Content-Disposition": `attachment; filename="contacts.${format}"`,
      });
    })
    .openapi(importContactsRoute, async (c) => {
      const format = importFormat(c, c.req.valid("query").format);
      const body = c.req.raw.body;
      if (!body) throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "The import body is empty");
      const input = Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);
      const summary = await importContacts(db, parseContactRows(input, format), { audit: auditContextOf(c) });
      return c.json({ data: summary }, 200);
    })
    .openapi(getContactRoute, async (c) => {
      const profile = await getContactProfile(db, c.req.valid("param").userId);
      if (!profile) throw new HogsendError(ErrorCodes.NOT_FOUND, "No such contact");
      return c.json({ data: profile }, 200);
    })
    .openapi(putContactRoute, async (c) => {
      const input = c.req.valid("json");
      const { contact, created } = await putContact(
        db,
        c.req.valid("param").userId,
        {
          email: input.email,
          properties: input.properties,
          subscribed: input.subscribed,
        },
        auditContextOf(c),
      );
      return created ? c.json({ data: contact }, 201) : c.json({ data: contact }, 200);
    })
    .openapi(eraseContactRoute, async (c) => {
      const result = await eraseContact(db, c.req.valid("param").userId, auditContextOf(c));
      return c.json({ data: { erased: true as const, ...result } }, 200);
    });
}

function importFormat(c: Context<ApiEnv>, fromQuery: ImportFormat | undefined): ImportFormat {
  if (fromQuery) return fromQuery;
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (type.startsWith("text/csv")) return "csv";
  if (/^application\/(x-ndjson|jsonl|x-jsonlines|ndjson)/.test(type)) return "ndjson";
  throw new HogsendError(
    ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
    "Send the import as text/csv or application/x-ndjson, or pass ?format=csv|ndjson",
  );
}
