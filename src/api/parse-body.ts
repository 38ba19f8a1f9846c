import type { Context } from "hono";
import type { z } from "zod";
import { ErrorCodes, HogsendError } from "../errors.js";

export interface FieldProblem {
  path: string;
  message: string;
}

/** Turns zod issues into `{ path, message }` pairs for a 400's details. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], fallback = "(body)"): FieldProblem[] {
  return issues.map((issue) => ({
    path: issue.path.map(String).join(".") || fallback,
    message: issue.message,
  }));
}

/** Validates a parsed body; a mismatch is a 400 VALIDATION_FAILED naming each bad field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  return parseWith(schema, body, "The request body is invalid", "(body)");
}

/** Validates the query string (`c.req.query()`, first value of each key) like a body. */
export function parseQuery<T extends z.ZodType>(schema: T, c: Context): z.infer<T> {
  return parseWith(schema, c.req.query(), "The query string is invalid", "(query)");
}

/**
 * Validates the path parameters. Hono has already percent-decoded them (`%00` is a NUL, `%25` a `%`, and an
 * invalid sequence such as `%ff` stays as it was written), so they must not be decoded again.
 */
export function parseParams<T extends z.ZodType>(schema: T, c: Context): z.infer<T> {
  return parseWith(schema, c.req.param(), "The request path is invalid", "(path)");
}

function parseWith<T extends z.ZodType>(
  schema: T,
  input: unknown,
  message: string,
  fallback: string,
): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, message, {
      details: describeIssues(result.error.issues, fallback),
    });
  }
  return result.data;
}
