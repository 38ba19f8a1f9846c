import type { z } from "zod";

export interface FieldProblem {
  path: string;
  message: string;
  /** The event's position in an ingest batch. */
  index?: number;
}

/**
 * Turns zod issues into `{ path, message }` pairs for a 400's details; an issue that carries `params.index` (an
 * ingest batch's event) keeps it as `index`.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], fallback = "(body)"): FieldProblem[] {
  return issues.map((issue) => {
    const index =
      issue.code === "custom" ? (issue.params as { index?: unknown } | undefined)?.index : undefined;
    return {
      ...(typeof index === "number" ? { index } : {}),
      path: issue.path.map(String).join(".") || fallback,
      message: issue.message,
    };
  });
}
