import { isStorableText, UNSTORABLE_TEXT_REASON } from "./storable-text.js";

export interface JsonLimits {
  /** Objects and arrays nested deeper than this are refused; the value itself is at depth 0. */
  maxDepth: number;
  /** Serialised size in UTF-16 code units, estimated while walking (escapes not counted). */
  maxChars?: number | undefined;
}

export type JsonPath = ReadonlyArray<string | number>;

export interface JsonProblem {
  path: JsonPath;
  reason: string;
}

// Keys that, copied with `target[key] = value`, replace a prototype instead of adding data.
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

// A path as a linked list from the node up, built into an array only when a problem is reported: most values
// have no problem, and allocating a path per node would cost the ingest hot path.
interface PathLink {
  readonly key: string | number;
  readonly parent: PathLink | undefined;
}
// A value still to visit, or a problem found with a key, queued so that problems come out in document order.
type Pending =
  | { readonly value: unknown; readonly depth: number; readonly link: PathLink | undefined }
  | { readonly reason: string; readonly link: PathLink };

/**
 * Every reason `value` cannot be stored as jsonb, in document order: a reserved key, a key or string with NUL or
 * an unpaired surrogate, a non-finite number, nesting deeper than `maxDepth`, a size over `maxChars`. The walk
 * keeps its own stack and never descends past `maxDepth`, so a 100,000-deep document costs no recursion and
 * little time; nothing in it is serialised or copied. Paths start with `root`.
 */
export function* unsafeJsonProblems(
  value: unknown,
  limits: JsonLimits,
  root: JsonPath = [],
): Generator<JsonProblem, void, undefined> {
  const maxChars = limits.maxChars ?? Number.POSITIVE_INFINITY;
  const at = (link: PathLink | undefined): JsonPath => {
    const keys: Array<string | number> = [];
    for (let l = link; l !== undefined; l = l.parent) keys.push(l.key);
    return [...root, ...keys.reverse()];
  };
  const stack: Pending[] = [{ value, depth: 0, link: undefined }];
  let chars = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if ("reason" in item) {
      yield { path: at(item.link), reason: item.reason };
      continue;
    }
    const { value: node, depth, link } = item;
    if (typeof node === "string") {
      chars += node.length + 2;
      if (!isStorableText(node)) yield { path: at(link), reason: UNSTORABLE_TEXT_REASON };
    } else if (typeof node === "number") {
      chars += 8;
      if (!Number.isFinite(node)) yield { path: at(link), reason: "is not a finite number" };
    } else if (typeof node === "object" && node !== null) {
      if (depth > limits.maxDepth) {
        yield { path: at(link), reason: `nests deeper than ${limits.maxDepth} levels` };
        continue;
      }
      chars += 2;
      const children: Pending[] = [];
      if (Array.isArray(node)) {
        chars += node.length;
        for (let i = 0; i < node.length; i++) {
          children.push({ value: node[i], depth: depth + 1, link: { key: i, parent: link } });
        }
      } else {
        for (const key of Object.keys(node)) {
          chars += key.length + 4;
          const child = { key, parent: link };
          if (FORBIDDEN_KEYS.has(key)) {
            children.push({ reason: "is a reserved key (prototype pollution)", link: child });
          } else if (!isStorableText(key)) {
            children.push({ reason: `is a key that ${UNSTORABLE_TEXT_REASON}`, link: child });
          } else {
            children.push({ value: (node as Record<string, unknown>)[key], depth: depth + 1, link: child });
          }
        }
      }
      // Pushed in reverse so that the stack pops them in document order.
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    } else {
      chars += 5;
    }
    if (chars > maxChars) {
      yield { path: root, reason: `is larger than ${maxChars} characters when serialised` };
      return;
    }
  }
}

/** The first problem `unsafeJsonProblems` finds, or undefined when `value` is safe to store. */
export function findUnsafeJson(
  value: unknown,
  limits: JsonLimits,
  root: JsonPath = [],
): JsonProblem | undefined {
  for (const problem of unsafeJsonProblems(value, limits, root)) return problem;
  return undefined;
}

/** A path as the API reports it: `properties.items.0.name`, or `fallback` for the value itself. */
export function formatJsonPath(path: JsonPath, fallback = "(body)"): string {
  return path.length === 0 ? fallback : path.join(".");
}
