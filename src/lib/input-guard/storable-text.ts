// Postgres text and jsonb cannot hold NUL or unpaired UTF-16 surrogates; letting them through turns a bad request
// into a database error (a 500) instead of a 400.
const UNSTORABLE_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The reason given for text that fails `isStorableText`. */
export const UNSTORABLE_TEXT_REASON = "contains a NUL character or an unpaired surrogate";

/** True when a string can be stored as Postgres text (and inside jsonb). */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE_TEXT.test(value);
}

const UNSTORABLE_TEXT_ALL = new RegExp(UNSTORABLE_TEXT.source, "g");

/**
 * `value` with every NUL and unpaired surrogate replaced by U+FFFD, cut to `max` characters: for text we write
 * about bad input (an error message quoting a path), never for the input itself, which is refused instead.
 */
export function toStorableText(value: string, max = Number.POSITIVE_INFINITY): string {
  return value.slice(0, max).replace(UNSTORABLE_TEXT_ALL, "\ufffd");
}
