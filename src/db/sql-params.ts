/**
 * Positional parameters for a statement assembled from fragments (an audience filter compiled from several
 * modules' predicates): each fragment asks for `$n` placeholders for its values, so no value is ever spliced into
 * SQL text.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  /** The placeholder for `value`, with an optional cast (`::text[]`). */
  add(value: unknown, cast = ""): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}
