import { ApiError } from "../lib/api";

type Problem = { path: string; message: string };

function problemsOf(error: unknown): Problem[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return error.details.filter(
    (d): d is Problem => typeof d?.path === "string" && typeof d?.message === "string",
  );
}

/** A refused form: the API's message, then each field it named (a 400's `details`), so the fix is obvious. */
export function FieldProblems({ error }: { error: unknown }) {
  if (!error) return null;
  const problems = problemsOf(error);
  return (
    <div
      role="alert"
      data-testid="field-problems"
      className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
    >
      <div className="font-medium">{error instanceof Error ? error.message : String(error)}</div>
      {problems.length > 0 ? (
        <ul className="mt-1 flex flex-col gap-0.5 text-xs">
          {problems.map((p) => (
            <li key={`${p.path}:${p.message}`}>
              <code className="font-mono text-red-700">{p.path}</code>: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
