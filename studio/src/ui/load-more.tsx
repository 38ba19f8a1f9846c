import { Loader2 } from "lucide-react";
import { formatNumber } from "../lib/format";
import { Button } from "./button";

/** What a paged list tells its footer (`useCursorPages` returns it). */
export interface Paged {
  rows: readonly unknown[];
  pageCount: number;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: unknown;
  loadMore: () => void;
}

/**
 * The footer of a paged list: how many rows are shown, and Load more while the server has more. A list that fit
 * in one page shows no footer.
 */
export function LoadMore({ list }: { list: Paged }) {
  if (!list.hasMore && list.pageCount <= 1) return null;
  const shown = formatNumber(list.rows.length);
  return (
    <div
      className="flex flex-wrap items-center justify-center gap-3 border-t border-zinc-100 px-4 py-3 text-xs text-zinc-500"
      data-testid="load-more"
    >
      <span role="status" className="tabular-nums">
        {list.hasMore ? `Showing ${shown}` : `Showing all ${shown}`}
      </span>
      {list.moreError ? (
        <span role="alert" className="text-red-600">
          Could not load more:{" "}
          {list.moreError instanceof Error ? list.moreError.message : String(list.moreError)}
        </span>
      ) : null}
      {list.hasMore ? (
        <Button variant="secondary" size="sm" disabled={list.loadingMore} onClick={list.loadMore}>
          {list.loadingMore ? (
            <>
              <Loader2 className="size-3.5 animate-spin" aria-hidden /> Loading…
            </>
          ) : list.moreError ? (
            "Retry"
          ) : (
            "Load more"
          )}
        </Button>
      ) : null}
    </div>
  );
}
