import { stringify } from "csv-stringify/sync";
import type { Queryable } from "../db/database.js";
import type { ContactRecord } from "./contact-record.js";
import type { ImportFormat } from "./contact-row-parsers.js";
import { iterateContacts } from "./list-contacts.js";

const CSV_COLUMNS = [
  "userId",
  "email",
  "subscribed",
  "properties",
  "unsubscribedAt",
  "createdAt",
  "lastSeenAt",
];

/**
 * Every contact as CSV or NDJSON text chunks, one chunk per page of `pageSize` contacts, read with a keyset
 * cursor: memory stays constant and the output re-imports as is (state-only columns are ignored on import).
 */
export async function* exportContacts(
  q: Queryable,
  format: ImportFormat,
  pageSize = 1000,
): AsyncGenerator<string> {
  if (format === "csv") yield stringify([CSV_COLUMNS]);
  for await (const page of iterateContacts(q, pageSize)) {
    yield format === "csv"
      ? stringify(page.map(toCsvRow))
      : page.map((c) => `${JSON.stringify(toNdjson(c))}\n`).join("");
  }
}

function toCsvRow(c: ContactRecord): string[] {
  return [
    c.userId,
    c.email ?? "",
    String(c.subscribed),
    JSON.stringify(c.properties),
    c.unsubscribedAt?.toISOString() ?? "",
    c.createdAt.toISOString(),
    c.lastSeenAt?.toISOString() ?? "",
  ];
}

function toNdjson(c: ContactRecord) {
  return {
    userId: c.userId,
    email: c.email,
    subscribed: c.subscribed,
    properties: c.properties,
    unsubscribedAt: c.unsubscribedAt,
    createdAt: c.createdAt,
    lastSeenAt: c.lastSeenAt,
  };
}
