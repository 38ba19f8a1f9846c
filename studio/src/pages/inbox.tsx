import { Link, useSearch } from "@tanstack/react-router";
import { admin, unwrap } from "../lib/api";
import { useCursorPages } from "../lib/cursor-pages";
import { formatDate } from "../lib/format";
import { Card } from "../ui/card";
import { cn } from "../ui/cn";
import { LoadMore } from "../ui/load-more";
import { PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";

export function InboxPage() {
  const search = useSearch({ from: "/app/inbox" });
  const mailbox = useCursorPages({
    queryKey: ["mailbox"],
    fetchPage: (cursor) =>
      unwrap(admin.mailbox.$get({ query: cursor ? { limit: "100", cursor } : { limit: "100" } })),
    refetchInterval: 5_000,
  });
  return (
    <>
      <PageHeader
        title="Dev inbox"
        subtitle="What the capture provider received (EMAIL_PROVIDER=capture); refreshed every 5 s until you load more"
      />
      <QueryView query={mailbox}>
        {(data) => {
          if (data.length === 0) {
            return (
              <Card>
                <Empty title="The inbox is empty">
                  Mail sent with the capture provider (the dev default) lands here.
                </Empty>
              </Card>
            );
          }
          const selected = data.find((m) => String(m.id) === search.id) ?? data[0];
          return (
            <div className="grid h-[calc(100vh-9rem)] grid-cols-[22rem_1fr] gap-4">
              <Card className="overflow-y-auto">
                <ul className="divide-y divide-zinc-100">
                  {data.map((mail) => (
                    <li key={mail.id}>
                      <Link
                        to="/inbox"
                        search={{ id: String(mail.id) }}
                        className={cn(
                          "block px-4 py-2.5 hover:bg-zinc-50",
                          mail.id === selected?.id && "bg-brand-50",
                        )}
                      >
                        <div className="truncate text-sm font-medium">{mail.subject}</div>
                        <div className="truncate text-xs text-zinc-600">to {mail.to}</div>
                        <div className="text-xs text-zinc-400">{formatDate(mail.capturedAt)}</div>
                      </Link>
                    </li>
                  ))}
                </ul>
                <LoadMore list={mailbox} />
              </Card>
              {selected ? (
                <Card className="flex flex-col overflow-hidden">
                  <div className="border-b border-zinc-100 px-4 py-3 text-sm">
                    <div className="font-medium">{selected.subject}</div>
                    <div className="text-xs text-zinc-600">
                      From {selected.from} to {selected.to} · {formatDate(selected.capturedAt)}
                    </div>
                  </div>
                  <iframe
                    title="Captured email"
                    sandbox=""
                    srcDoc={selected.html}
                    className="w-full flex-1 border-0 bg-white"
                  />
                </Card>
              ) : null}
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
