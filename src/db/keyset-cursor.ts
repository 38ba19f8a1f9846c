import { ErrorCodes, HogsendError } from "../errors.js";
import { isStorableText, isUuid, toStorableDate } from "../lib/input-guard/index.js";

/** What one part of a sort key is, so a cursor coming back from a client can be checked part by part. */
type KeyKind = "timestamp" | "uuid" | "int" | "text";
type KeyValue<K extends KeyKind> = K extends "int" ? number : K extends "timestamp" ? string : string;
type KeyInput<K extends KeyKind> = K extends "int" ? number : K extends "timestamp" ? Date | string : string;

export interface KeysetCursor<K extends readonly KeyKind[]> {
  /** The sort key of a page's last row as an opaque string (base64url JSON). */
  encode(...key: { [I in keyof K]: KeyInput<K[I]> }): string;
  /** The key back, checked (a timestamp Postgres can store, a real UUID…); anything else is a 400. */
  decode(cursor: string): { [I in keyof K]: KeyValue<K[I]> };
}

/**
 * The one keyset cursor of every paginated list (`{ data, nextCursor }`): the cursor is the sort key of the
 * last row returned, so a page costs the same at any depth. A cursor is client input, so each part is checked
 * against its kind before it reaches SQL.
 */
export function createKeysetCursor<const K extends readonly KeyKind[]>(...kinds: K): KeysetCursor<K> {
  return {
    encode(...key) {
      const parts = (key as ReadonlyArray<string | number | Date>).map((part) =>
        part instanceof Date ? part.toISOString() : part,
      );
      return Buffer.from(JSON.stringify(parts)).toString("base64url");
    },
    decode(cursor) {
      let parts: unknown;
      try {
        parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      } catch {
        throw invalidCursor();
      }
      if (!Array.isArray(parts) || parts.length !== kinds.length) throw invalidCursor();
      return kinds.map((kind, i) => checkPart(kind, parts[i])) as { [I in keyof K]: KeyValue<K[I]> };
    },
  };
}

function checkPart(kind: KeyKind, value: unknown): string | number {
  switch (kind) {
    case "int":
      if (typeof value === "number" && Number.isSafeInteger(value)) return value;
      break;
    case "uuid":
      if (typeof value === "string" && isUuid(value)) return value;
      break;
    case "text":
      if (typeof value === "string" && isStorableText(value)) return value;
      break;
    case "timestamp": {
      const date = typeof value === "string" ? toStorableDate(value) : undefined;
      if (date) return date.toISOString();
      break;
    }
  }
  throw invalidCursor();
}

function invalidCursor(): HogsendError {
  return new HogsendError(ErrorCodes.VALIDATION_FAILED, "The cursor is invalid", {
    details: [{ path: "cursor", message: "is not a cursor returned by this API" }],
  });
}
