import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import {
  checkEmail,
  checkProperties,
  checkUserId,
  findUnsafeContactValue,
} from "../contacts/contact-input.js";
import { getContactProfile } from "../contacts/contact-profile.js";
import { decodeUserCursor } from "../contacts/contact-record.js";
import { IMPORT_FORMATS, type ImportFormat, parseContactRows } from "../contacts/contact-row-parsers.js";
import { eraseContact } from "../contacts/erase-contact.js";
import { exportContacts } from "../contacts/export-contacts.js";
import { importContacts } from "../contacts/import-contacts.js";
import { listContacts } from "../contacts/list-contacts.js";
import { putContact } from "../contacts/put-contact.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { isStorableText, safeText } from "../lib/input-guard/index.js";
import type { ApiEnv } from "./api-env.js";
import type { RouteContext } from "./create-api.js";
import { parseBody } from "./parse-body.js";
import { readJsonBody } from "./read-json-body.js";
import { requireApiKey } from "./require-api-key.js";

const listQuery = z.strictObject({
  search: safeText(320).optional(),
  cursor: z
    .string()
    .min(1)
    .max(400)
    .refine((cursor) => isStorableText(decodeUserCursor(cursor)), "is not a cursor returned by this API")
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const formatQuery = z.strictObject({ format: z.enum(IMPORT_FORMATS).optional() });
const putBody = z.strictObject({
  email: z.string().nullable().optional(),
  properties: z.unknown().optional(),
  subscribed: z.boolean().optional(),
});

/**
 * Contacts admin API (admin key): list/search, the full profile, create/update, GDPR erase, and streamed
 * CSV/NDJSON import and export.
 */
export function createContactRoutes({ db, authenticate }: RouteContext): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  const admin = requireApiKey(authenticate, ["admin"]);

  routes.get("/v1/admin/contacts", admin, async (c) => {
    const query = parseBody(listQuery, c.req.query());
    const page = await listContacts(db, query);
    return c.json({ data: page.contacts, nextCursor: page.nextCursor });
  });

  routes.get("/v1/admin/contacts/export", admin, async (c) => {
    const format = parseBody(formatQuery, c.req.query()).format ?? "ndjson";
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
  });

  routes.post("/v1/admin/contacts/import", admin, async (c) => {
    const format = importFormat(c);
    const body = c.req.raw.body;
    if (!body) throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "The import body is empty");
    const input = Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);
    const summary = await importContacts(db, parseContactRows(input, format));
    return c.json(summary, 200);
  });

  routes.get("/v1/admin/contacts/:userId", admin, async (c) => {
    const userId = pathUserId(c);
    const profile = await getContactProfile(db, userId);
    if (!profile) throw new HogsendError(ErrorCodes.NOT_FOUND, "No such contact");
    return c.json(profile);
  });

  routes.put("/v1/admin/contacts/:userId", admin, async (c) => {
    const userId = pathUserId(c);
    const raw = await readJsonBody(c);
    const unsafe = findUnsafeContactValue(raw);
    if (unsafe) throw invalid(unsafe.field, unsafe.reason);
    const input = parseBody(putBody, raw);
    const problem =
      checkEmail(input.email) ??
      (input.properties === undefined ? undefined : checkProperties(input.properties));
    if (problem) throw invalid(problem.split(" ")[0] ?? "(body)", problem);
    const { contact, created } = await putContact(db, userId, {
      email: input.email,
      properties: input.properties as Record<string, unknown> | undefined,
      subscribed: input.subscribed,
    });
    return c.json(contact, created ? 201 : 200);
  });

  routes.delete("/v1/admin/contacts/:userId", admin, async (c) => {
    const userId = pathUserId(c);
    const result = await eraseContact(db, userId);
    if (!result.found) throw new HogsendError(ErrorCodes.NOT_FOUND, "No such contact");
    return c.json({ erased: true, ...result });
  });

  return routes;
}

function pathUserId(c: Context<ApiEnv>): string {
  const userId = c.req.param("userId") ?? "";
  const problem = checkUserId(userId);
  if (problem) throw invalid("userId", problem);
  return userId;
}

function importFormat(c: Context<ApiEnv>): ImportFormat {
  const fromQuery = parseBody(formatQuery, c.req.query()).format;
  if (fromQuery) return fromQuery;
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (type.startsWith("text/csv")) return "csv";
  if (/^application\/(x-ndjson|jsonl|x-jsonlines|ndjson)/.test(type)) return "ndjson";
  throw new HogsendError(
    ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
    "Send the import as text/csv or application/x-ndjson, or pass ?format=csv|ndjson",
  );
}

function invalid(field: string, reason: string): HogsendError {
  return new HogsendError(ErrorCodes.VALIDATION_FAILED, "The request is invalid", {
    details: [{ path: field, message: reason }],
  });
}
