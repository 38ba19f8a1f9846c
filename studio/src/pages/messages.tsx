import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { useCursorPages } from "../lib/cursor-pages";
import { formatDate } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card, StatusBadge } from "../ui/card";
import { ConfirmButton, Drawer } from "../ui/dialog";
import { Field, Input, Select } from "../ui/input";
import { LoadMore } from "../ui/load-more";
import { Mono, PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";
import { Tabs } from "../ui/tabs";

const STATUSES = ["queued", "sending", "sent", "failed", "suppressed", "skipped"] as const;
const FILTERS = ["status", "template", "journey", "to", "from", "until"] as const;

export function MessagesPage() {
  const search = useSearch({ from: "/app/messages" });
  const navigate = useNavigate({ from: "/messages" });
  const [draft, setDraft] = useState({
    template: search.template ?? "",
    journey: search.journey ?? "",
    to: search.to ?? "",
  });
  const messages = useCursorPages({
    queryKey: ["messages", FILTERS.map((f) => search[f])],
    fetchPage: (cursor) => {
      const query: Parameters<typeof admin.messages.$get>[0]["query"] = { limit: "100" };
      if (cursor) query.cursor = cursor;
      if (search.status && (STATUSES as readonly string[]).includes(search.status)) {
        query.status = search.status as (typeof STATUSES)[number];
      }
      if (search.template) query.template = search.template;
      if (search.journey) query.journey = search.journey;
      if (search.to) query.to = search.to;
      // The date inputs are UTC days: from the start of `from` to the end of `until`.
      if (search.from) query.from = `${search.from}T00:00:00.000Z`;
      if (search.until)
        query.until = new Date(Date.parse(`${search.until}T00:00:00.000Z`) + 86_400_000).toISOString();
      return unwrap(admin.messages.$get({ query }));
    },
  });
  const set = (patch: Record<string, string | undefined>) =>
    navigate({ search: (s) => ({ ...s, ...patch }) });
  return (
    <>
      <PageHeader title="Messages" subtitle="The send log: every email the outbox holds, newest first" />
      <form
        className="mb-4 flex flex-wrap items-end gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void set({
            template: draft.template || undefined,
            journey: draft.journey || undefined,
            to: draft.to || undefined,
          });
        }}
      >
        <Field label="Status">
          <Select
            aria-label="Status"
            value={search.status ?? ""}
            onChange={(e) => set({ status: e.target.value || undefined })}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </Select>
        </Field>
        <Field label="Template">
          <Input
            value={draft.template}
            onChange={(e) => setDraft({ ...draft, template: e.target.value })}
            placeholder="key"
          />
        </Field>
        <Field label="Journey">
          <Input
            value={draft.journey}
            onChange={(e) => setDraft({ ...draft, journey: e.target.value })}
            placeholder="journey id"
          />
        </Field>
        <Field label="Address">
          <Input
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
            placeholder="ada@example.com"
          />
        </Field>
        <Field label="From">
          <Input
            type="date"
            value={search.from ?? ""}
            onChange={(e) => set({ from: e.target.value || undefined })}
          />
        </Field>
        <Field label="Until">
          <Input
            type="date"
            value={search.until ?? ""}
            onChange={(e) => set({ until: e.target.value || undefined })}
          />
        </Field>
        <Button type="submit" variant="secondary">
          Apply
        </Button>
      </form>
      <Card>
        <QueryView query={messages}>
          {(data) =>
            data.length === 0 ? (
              <Empty title="No messages match" />
            ) : (
              <>
                <Table>
                  <thead>
                    <tr>
                      <Th>To</Th>
                      <Th>Subject</Th>
                      <Th>Template</Th>
                      <Th>Journey</Th>
                      <Th>Status</Th>
                      <Th>Created</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.map((message) => (
                      <Tr key={message.id}>
                        <Td>{message.to}</Td>
                        <Td>
                          <Link
                            from="/messages"
                            search={(s) => ({ ...s, id: message.id })}
                            className="font-medium hover:text-brand-600"
                          >
                            {message.subject}
                          </Link>
                        </Td>
                        <Td className="font-mono text-xs">{message.template}</Td>
                        <Td className="text-xs">{message.journeyName ?? message.journeyId ?? "—"}</Td>
                        <Td>
                          <StatusBadge status={message.status} />
                        </Td>
                        <Td className="text-xs text-zinc-500">{formatDate(message.createdAt)}</Td>
                      </Tr>
                    ))}
                  </tbody>
                </Table>
                <LoadMore list={messages} />
              </>
            )
          }
        </QueryView>
      </Card>
      <Drawer
        open={search.id !== undefined}
        onOpenChange={(open) => {
          if (!open) void set({ id: undefined });
        }}
        title="Message"
      >
        {search.id ? <MessageDetail id={search.id} /> : null}
      </Drawer>
    </>
  );
}

function MessageDetail({ id }: { id: string }) {
  const [tab, setTab] = useState("html");
  const queryClient = useQueryClient();
  const canMutate = useCanMutate();
  const message = useQuery({
    queryKey: ["message", id],
    queryFn: () => unwrap(admin.messages[":id"].$get({ param: { id } })),
  });
  const resend = useMutation({
    mutationFn: () => unwrap(admin.messages[":id"].resend.$post({ param: { id } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["messages"] }),
  });
  return (
    <QueryView query={message}>
      {({ data }) => (
        <div className="flex flex-col">
          <div className="flex flex-col gap-1 px-5 py-4 text-sm">
            <div className="flex items-center gap-2">
              <StatusBadge status={data.status} />
              <span className="font-medium">{data.subject}</span>
              {canMutate ? (
                <span className="ml-auto">
                  <ConfirmButton
                    label="Resend"
                    variant="secondary"
                    title="Resend this message?"
                    description={`A new message with the same template and props goes to ${data.to} through the outbox.`}
                    confirmLabel="Resend"
                    onConfirm={() => resend.mutateAsync()}
                  />
                </span>
              ) : null}
            </div>
            <div className="text-zinc-600">
              To {data.to} {data.from ? `· from ${data.from}` : null}
            </div>
            <div className="text-xs text-zinc-500">
              <Mono>{data.id}</Mono> · {data.template} · {data.provider ?? "no provider yet"} ·{" "}
              {data.attempts} attempt(s)
            </div>
            {data.userId ? (
              <Link
                to="/contacts/$userId"
                params={{ userId: data.userId }}
                search={{}}
                className="text-xs text-brand-700 hover:underline"
              >
                contact {data.userId}
              </Link>
            ) : null}
            {data.lastError ? <div className="text-xs text-red-600">{data.lastError}</div> : null}
            {resend.error ? <div className="text-xs text-red-600">{resend.error.message}</div> : null}
            {resend.isSuccess ? <div className="text-xs text-emerald-700">Queued again.</div> : null}
          </div>
          <Tabs
            value={tab}
            onValueChange={setTab}
            tabs={[
              {
                value: "html",
                label: "Rendered",
                content: data.html ? (
                  // No scripts, no same-origin: the email cannot reach Studio's session.
                  <iframe
                    title="Rendered email"
                    sandbox=""
                    srcDoc={data.html}
                    className="h-[60vh] w-full border-0 bg-white"
                  />
                ) : (
                  <Empty title="No HTML stored">
                    {data.text ? <pre className="whitespace-pre-wrap">{data.text}</pre> : null}
                  </Empty>
                ),
              },
              {
                value: "headers",
                label: "Headers",
                content: data.headers ? (
                  <dl className="grid grid-cols-[12rem_1fr] gap-x-3 gap-y-1 p-4 text-xs">
                    {Object.entries(data.headers).map(([k, v]) => (
                      <div key={k} className="contents">
                        <dt className="font-mono text-zinc-500">{k}</dt>
                        <dd className="font-mono break-all">{v}</dd>
                      </div>
                    ))}
                  </dl>
                ) : (
                  <Empty title="Not sent yet: no headers" />
                ),
              },
              {
                value: "events",
                label: `Delivery events (${data.events.length})`,
                content:
                  data.events.length === 0 ? (
                    <Empty title="No delivery events yet" />
                  ) : (
                    <ol className="flex flex-col divide-y divide-zinc-100">
                      {data.events.map((event) => (
                        <li
                          key={`${event.type}-${event.occurredAt}-${event.source}`}
                          className="flex items-center gap-3 px-4 py-2 text-sm"
                        >
                          <span className="w-40 text-xs text-zinc-500">{formatDate(event.occurredAt)}</span>
                          <StatusBadge status={event.type} />
                          {event.bounceKind ? <Badge tone="bad">{event.bounceKind}</Badge> : null}
                          <span className="text-xs text-zinc-500">via {event.source}</span>
                        </li>
                      ))}
                    </ol>
                  ),
              },
            ]}
          />
        </div>
      )}
    </QueryView>
  );
}
