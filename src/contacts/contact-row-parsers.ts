import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { ErrorCodes, HogsendError } from "../errors.js";
import { isPlainObject } from "../lib/input-guard/index.js";
import { type ImportContact, toImportContact } from "./contact-input.js";

export const IMPORT_FORMATS = ["csv", "ndjson"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One input row: a contact to upsert or the reason the row was refused, with its 1-based line number. */
export type ImportItem = { line: number; contact: ImportContact } | { line: number; error: string };

// Columns an export writes that describe state rather than input; re-importing an export ignores them.
const EXPORT_ONLY = new Set(["createdAt", "updatedAt", "lastSeenAt", "unsubscribedAt"]);
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
const MAX_LINE_BYTES = 1_048_576;

export function parseContactRows(input: Readable, format: ImportFormat): AsyncGenerator<ImportItem> {
  return format === "csv" ? parseCsvRows(input) : parseNdjsonRows(input);
}

/**
 * CSV with a header row. `userId` (or `user_id`) is required; `email`, `subscribed` (true/false) and `properties`
 * (a JSON object) are optional; every other non-empty column becomes a string property.
 */
export async function* parseCsvRows(input: Readable): AsyncGenerator<ImportItem> {
  const skipped: ImportItem[] = [];
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_LINE_BYTES,
  });
  parser.on("skip", (error: { lines?: number; message: string }) => {
    skipped.push({ line: error.lines ?? 0, error: `malformed CSV: ${error.message}` });
  });
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);
  let header: string[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    while (skipped.length > 0) yield skipped.shift()!;
    if (!header) {
      header = record.map((name) => name.trim());
      const bad = header.find((name) => FORBIDDEN.has(name));
      if (bad !== undefined) throw badHeader(`the CSV header names a reserved column "${bad}"`);
      if (!header.includes("userId") && !header.includes("user_id")) {
        throw badHeader("the CSV header has no userId column");
      }
      continue;
    }
    if (record.length !== header.length) {
      yield { line: info.lines, error: `has ${record.length} fields; the header has ${header.length}` };
      continue;
    }
    const raw: Record<string, unknown> = {};
    const properties: Record<string, unknown> = {};
    let error: string | undefined;
    header.forEach((name, i) => {
      const value = record[i] ?? "";
      if (name === "userId" || name === "user_id" || name === "email" || name === "subscribed") {
        if (value !== "") raw[name] = value;
      } else if (name === "properties") {
        if (value === "") return;
        try {
          const parsed: unknown = JSON.parse(value);
          if (!isPlainObject(parsed)) error = "properties must be a JSON object";
          else Object.assign(properties, parsed);
        } catch {
          error = "properties is not valid JSON";
        }
      } else if (!EXPORT_ONLY.has(name) && value !== "") {
        properties[name] = value;
      }
    });
    if (error) {
      yield { line: info.lines, error };
      continue;
    }
    raw.properties = properties;
    const result = toImportContact(raw);
    yield "error" in result
      ? { line: info.lines, error: result.error }
      : { line: info.lines, contact: result };
  }
  while (skipped.length > 0) yield skipped.shift()!;
}

/** One JSON object per line: `{ userId, email?, properties?, subscribed? }`. Blank lines are skipped. */
export async function* parseNdjsonRows(input: Readable): AsyncGenerator<ImportItem> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 0;
  for await (const bytes of splitLines(input)) {
    line++;
    if (bytes === null) {
      yield { line, error: `is longer than ${MAX_LINE_BYTES} bytes` };
      continue;
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      yield { line, error: "is not valid UTF-8" };
      continue;
    }
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, error: `is not valid JSON: ${(error as Error).message}` };
      continue;
    }
    if (!isPlainObject(value)) {
      yield { line, error: "must be a JSON object" };
      continue;
    }
    const result = toImportContact(value);
    yield "error" in result ? { line, error: result.error } : { line, contact: result };
  }
}

/**
 * Splits a byte stream on "\n" without holding more than one line (bounded by MAX_LINE_BYTES) in memory; an
 * over-long line yields null and is skipped to its end.
 */
async function* splitLines(input: Readable): AsyncGenerator<Uint8Array | null> {
  let parts: Buffer[] = [];
  let size = 0;
  let overlong = false;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    let buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (;;) {
      const newline = buffer.indexOf(10);
      if (newline === -1) {
        if (!overlong) {
          parts.push(buffer);
          size += buffer.length;
          if (size > MAX_LINE_BYTES) {
            overlong = true;
            parts = [];
          }
        }
        break;
      }
      const head = buffer.subarray(0, newline);
      if (overlong || size + head.length > MAX_LINE_BYTES) {
        yield null;
      } else {
        parts.push(head);
        yield stripCr(Buffer.concat(parts));
      }
      parts = [];
      size = 0;
      overlong = false;
      buffer = buffer.subarray(newline + 1);
    }
  }
  if (overlong) yield null;
  else if (size > 0) yield stripCr(Buffer.concat(parts));
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, line.length - 1) : line;
}

function badHeader(message: string): HogsendError {
  return new HogsendError(ErrorCodes.VALIDATION_FAILED, message, {
    details: [{ line: 1, reason: message }],
  });
}
