import { AlertTriangle, Inbox, Loader2 } from "lucide-react";
import type { ReactNode } from "react";
import { ApiError } from "../lib/api";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div role="status" className="flex items-center gap-2 px-4 py-10 text-sm text-zinc-500 justify-center">
      <Loader2 className="size-4 animate-spin" aria-hidden /> {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-1 px-4 py-10 text-center" data-state="empty">
      <Inbox className="size-6 text-zinc-300" aria-hidden />
      <div className="text-sm font-medium text-zinc-700">{title}</div>
      {children ? <div className="max-w-md text-xs text-zinc-500">{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, title = "Could not load this" }: { error: unknown; title?: string }) {
  const api = error instanceof ApiError ? error : undefined;
  const missing = api?.status === 404 && api.code !== "NOT_FOUND";
  return (
    <div
      role="alert"
      data-state="error"
      className="m-4 flex items-start gap-3 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
    >
      <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
      <div>
        <div className="font-medium">{title}</div>
        <div className="mt-0.5 text-red-700">
          {missing
            ? "This server does not have the endpoint this view needs (an older Hogsend?)."
            : error instanceof Error
              ? error.message
              : String(error)}
          {api ? <span className="ml-2 font-mono text-xs text-red-500">{api.code}</span> : null}
        </div>
      </div>
    </div>
  );
}

/** Loading, error, or the content: every query-backed panel goes through this. */
export function QueryView<T>({
  query,
  children,
  loadingLabel,
}: {
  query: { isPending: boolean; error: unknown; data: T | undefined };
  children: (data: T) => ReactNode;
  loadingLabel?: string;
}) {
  if (query.isPending) return <Loading {...(loadingLabel ? { label: loadingLabel } : {})} />;
  if (query.error) return <ErrorState error={query.error} />;
  return <>{children(query.data as T)}</>;
}
