import type { z } from "zod";
import { ErrorCodes, HogsendError } from "../errors.js";

export interface FieldProblem {
  path: string;
  message: string;
}

/** Turns zod issues into `{ path, message }` pairs for a 400's details. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  return issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

/** Validates a parsed body; a mismatch is a 400 VALIDATION_FAILED naming each bad field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "The request body is invalid", {
      details: describeIssues(result.error.issues),
    });
  }
  return result.data;
}
