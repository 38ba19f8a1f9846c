import {
  hashKey,
  type InfiniteData,
  type QueryKey,
  useInfiniteQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { useEffect, useMemo } from "react";

/** A page of an admin list: `{ data, nextCursor }`; `nextCursor` goes back as `cursor` (null on the last page). */
export interface CursorPage<Row> {
  data: Row[];
  nextCursor: string | null;
}

/** A list read a page at a time: what `QueryView` shows (`data` is every row loaded) and what `LoadMore` drives. */
export interface CursorPages<Row> {
  isPending: boolean;
  /** The list's own error; a failed later page is `moreError`, below the rows already shown. */
  error: unknown;
  data: Row[] | undefined;
  rows: Row[];
  pageCount: number;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: unknown;
  loadMore: () => void;
}

type Pages<Row> = InfiniteData<CursorPage<Row>, string | undefined>;

const firstPageOnly = <Row>(data: Pages<Row> | undefined): Pages<Row> | undefined =>
  data && data.pages.length > 1
    ? { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) }
    : data;

/**
 * A cursor-paged admin list, a page at a time along its `nextCursor`. The filters belong in `queryKey`, so a new
 * filter is a new list from its first page; leaving a list (another filter, another route) forgets its later pages,
 * so coming back re-reads one page, not every page loaded before. `refetchInterval` applies while only the first
 * page is loaded: a refetch re-reads every loaded page, and rows further down should not move while being read.
 */
export function useCursorPages<Row>(options: {
  queryKey: QueryKey;
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<Row>>;
  refetchInterval?: number | ((firstPage: Row[]) => number | false);
}): CursorPages<Row> {
  const { queryKey, fetchPage, refetchInterval } = options;
  const client = useQueryClient();
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => {
      const pages = q.state.data?.pages ?? [];
      if (refetchInterval === undefined || pages.length > 1) return false;
      return typeof refetchInterval === "number" ? refetchInterval : refetchInterval(pages[0]?.data ?? []);
    },
  });

  const key = hashKey(queryKey);
  useEffect(
    () => () => {
      const left = client.getQueryCache().get(key);
      if (left) client.setQueryData<Pages<Row>>(left.queryKey, firstPageOnly);
    },
    [client, key],
  );

  const pages = query.data?.pages;
  const rows = useMemo(() => pages?.flatMap((page) => page.data) ?? [], [pages]);
  // A page may come back empty with a cursor (a sparse search walks a bounded window): read on to rows or the end.
  const { hasNextPage, isFetching, isFetchNextPageError, fetchNextPage } = query;
  const lastEmpty = pages !== undefined && pages[pages.length - 1]?.data.length === 0;
  const readOn = lastEmpty && hasNextPage && !isFetchNextPageError;
  useEffect(() => {
    if (readOn && !isFetching) void fetchNextPage();
  }, [readOn, isFetching, fetchNextPage]);

  return {
    isPending: query.isPending || (rows.length === 0 && readOn),
    error: isFetchNextPageError && rows.length > 0 ? null : query.error,
    data: pages ? rows : undefined,
    rows,
    pageCount: pages?.length ?? 0,
    hasMore: hasNextPage,
    loadingMore: query.isFetchingNextPage,
    moreError: isFetchNextPageError ? query.error : null,
    loadMore: () => void fetchNextPage(),
  };
}
