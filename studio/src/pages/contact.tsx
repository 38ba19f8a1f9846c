import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { useCursorPages } from "../lib/cursor-pages";
import { formatDate, json } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card, CardHeader, StatusBadge } from "../ui/card";
import { ConfirmButton } from "../ui/dialog";
import { LoadMore } from "../ui/load-more";
import { Mono, PageHeader, Pre } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";
import { Tabs } from "../ui/tabs";

export function ContactPage() {
  const { userId } = useParams({ from: "/app/contacts/$userId" });
  const search = useSearch({ from: "/app/contacts/$userId" });
  const navigate = useNavigate({ from: "/contacts/$userId" });
  const queryClient = useQueryClient();
  const canMutate = useCanMutate();
  const profile = useQuery({
    queryKey: ["contact", userId],
    queryFn: () => unwrap(admin.contacts[":userId"].$get({ param: { userId } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["contact", userId] });
  const erase = useMutation({
    mutationFn: () => unwrap(admin.contacts[":userId"].$delete({ param: { userId } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["contacts"] });
      await navigate({ to: "/contacts", search: {} });
    },
  });
  const email = profile.data?.data.contact.email ?? null;
  const suppress = useMutation({
    mutationFn: () => unwrap(admin.suppressions.$post({ json: { email: email ?? "", reason: "manual" } })),
    onSettled: refresh,
  });
  const unsuppress = useMutation({
    mutationFn: () => unwrap(admin.suppressions[":email"].$delete({ param: { email: email ?? "" } })),
    onSettled: refresh,
  });
  return (
    <QueryView query={profile}>
      {({ data }) => {
        const { contact, subscription } = data;
        return (
          <>
            <PageHeader
              title={contact.email ?? contact.userId}
              subtitle={<Mono>{contact.userId}</Mono>}
              actions={
                canMutate ? (
                  <>
                    {contact.email && !subscription.suppression ? (
                      <ConfirmButton
                        label="Suppress"
                        variant="secondary"
                        size="md"
                        title={`Suppress ${contact.email}?`}
                        description="No email is sent to a suppressed address until it is removed from the list."
                        confirmLabel="Suppress"
                        onConfirm={() => suppress.mutateAsync()}
                      />
                    ) : null}
                    {contact.email && subscription.suppression ? (
                      <ConfirmButton
                        label="Unsuppress"
                        variant="secondary"
                        size="md"
                        title={`Remove ${contact.email} from the suppression list?`}
                        description="Email to this address is sent again."
                        confirmLabel="Unsuppress"
                        onConfirm={() => unsuppress.mutateAsync()}
                      />
                    ) : null}
                    <ConfirmButton
                      label="Erase contact"
                      size="md"
                      typed={contact.userId}
                      title="Erase this contact (GDPR)?"
                      description="Deletes the contact, its events, runs and message content, and keeps a tombstone so later events do not recreate it. This cannot be undone."
                      confirmLabel="Erase permanently"
                      onConfirm={() => erase.mutateAsync()}
                      pending={erase.isPending}
                    />
                  </>
                ) : null
              }
            />
            <div className="grid gap-5 lg:grid-cols-[1fr_22rem]">
              <Card>
                <Tabs
                  value={search.tab ?? "events"}
                  onValueChange={(tab) => navigate({ search: { tab } })}
                  tabs={[
                    { value: "events", label: "Events", content: <ContactEvents userId={userId} /> },
                    { value: "runs", label: "Journey runs", content: <ContactRuns userId={userId} /> },
                    { value: "messages", label: "Messages", content: <ContactMessages userId={userId} /> },
                    {
                      value: "properties",
                      label: "Properties",
                      content: (
                        <div className="p-4">
                          <Pre value={json(contact.properties)} />
                        </div>
                      ),
                    },
                  ]}
                />
              </Card>
              <div className="flex flex-col gap-4">
                <Card>
                  <CardHeader title="Profile" />
                  <dl className="grid grid-cols-[7rem_1fr] gap-x-3 gap-y-1.5 p-4 text-sm">
                    <dt className="text-zinc-500">Email</dt>
                    <dd className="truncate">{contact.email ?? "—"}</dd>
                    <dt className="text-zinc-500">Created</dt>
                    <dd>{formatDate(contact.createdAt)}</dd>
                    <dt className="text-zinc-500">Last seen</dt>
                    <dd>{formatDate(contact.lastSeenAt)}</dd>
                    <dt className="text-zinc-500">Suppression</dt>
                    <dd>
                      {subscription.suppression ? (
                        <Badge tone="bad">{subscription.suppression.reason}</Badge>
                      ) : (
                        <Badge tone="good">not suppressed</Badge>
                      )}
                    </dd>
                  </dl>
                  {Object.keys(contact.properties).length > 0 ? (
                    <dl className="grid grid-cols-[7rem_1fr] gap-x-3 gap-y-1 border-t border-zinc-100 p-4 text-sm">
                      {Object.entries(contact.properties).map(([k, v]) => (
                        <div key={k} className="contents">
                          <dt className="truncate font-mono text-xs text-zinc-500">{k}</dt>
                          <dd className="truncate font-mono text-xs">
                            {typeof v === "string" ? v : JSON.stringify(v)}
                          </dd>
                        </div>
                      ))}
                    </dl>
                  ) : null}
                </Card>
                <Preferences
                  userId={userId}
                  subscribed={subscription.subscribed}
                  categories={subscription.categories}
                  canMutate={canMutate}
                  onSaved={refresh}
                />
                {suppress.error || unsuppress.error || erase.error ? (
                  <p role="alert" className="text-sm text-red-600">
                    {(suppress.error ?? unsuppress.error ?? erase.error)?.message}
                  </p>
                ) : null}
              </div>
            </div>
          </>
        );
      }}
    </QueryView>
  );
}

function Preferences({
  userId,
  subscribed,
  categories,
  canMutate,
  onSaved,
}: {
  userId: string;
  subscribed: boolean;
  categories: Array<{ category: string; unsubscribedAt: string | null }>;
  canMutate: boolean;
  onSaved: () => Promise<unknown>;
}) {
  const templates = useQuery({ queryKey: ["templates"], queryFn: () => unwrap(admin.templates.$get()) });
  const known = new Set([
    ...categories.map((c) => c.category),
    ...(templates.data?.data.map((t) => t.category) ?? []),
  ]);
  const [draft, setDraft] = useState<{ subscribed: boolean; categories: Record<string, boolean> } | null>(
    null,
  );
  const current = draft ?? {
    subscribed,
    categories: Object.fromEntries(
      [...known].map((c) => [c, !categories.some((x) => x.category === c && x.unsubscribedAt)]),
    ),
  };
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        admin.contacts[":userId"].preferences.$put({
          param: { userId },
          json: { globallyUnsubscribed: !current.subscribed, categories: current.categories },
        }),
      ),
    onSuccess: async () => {
      setDraft(null);
      await onSaved();
    },
  });
  return (
    <Card>
      <CardHeader title="Subscription and categories" />
      <div className="flex flex-col gap-2 p-4 text-sm">
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            checked={current.subscribed}
            disabled={!canMutate}
            onChange={(e) => setDraft({ ...current, subscribed: e.target.checked })}
          />
          Subscribed to email
        </label>
        {[...known].sort().map((category) => (
          <label key={category} className="ml-5 flex items-center gap-2">
            <input
              type="checkbox"
              checked={current.categories[category] ?? true}
              disabled={!canMutate || !current.subscribed}
              onChange={(e) =>
                setDraft({ ...current, categories: { ...current.categories, [category]: e.target.checked } })
              }
            />
            <span className="font-mono text-xs">{category}</span>
          </label>
        ))}
        {canMutate ? (
          <div className="mt-2 flex items-center gap-2">
            <Button size="sm" disabled={draft === null || save.isPending} onClick={() => save.mutate()}>
              Save preferences
            </Button>
            {save.error ? <span className="text-xs text-red-600">{save.error.message}</span> : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}

function ContactEvents({ userId }: { userId: string }) {
  const events = useCursorPages({
    queryKey: ["events", "user", userId],
    fetchPage: (cursor) =>
      unwrap(
        admin.events.$get({ query: cursor ? { userId, limit: "100", cursor } : { userId, limit: "100" } }),
      ),
  });
  return (
    <QueryView query={events}>
      {(data) =>
        data.length === 0 ? (
          <Empty title="No events for this contact" />
        ) : (
          <>
            <ol className="flex flex-col divide-y divide-zinc-100" data-testid="contact-events">
              {data.map((event) => (
                <li key={event.id} className="flex items-start gap-3 px-4 py-2">
                  <span className="w-40 shrink-0 text-xs text-zinc-500">{formatDate(event.occurredAt)}</span>
                  <span className="flex-1">
                    <span className="font-medium">{event.event}</span>{" "}
                    <span className="text-xs text-zinc-400">via {event.source}</span>
                    {Object.keys(event.properties).length > 0 ? (
                      <div className="truncate font-mono text-xs text-zinc-500">
                        {JSON.stringify(event.properties)}
                      </div>
                    ) : null}
                  </span>
                </li>
              ))}
            </ol>
            <LoadMore list={events} />
          </>
        )
      }
    </QueryView>
  );
}

function ContactRuns({ userId }: { userId: string }) {
  const runs = useQuery({
    queryKey: ["runs", "user", userId],
    queryFn: () => unwrap(admin.users[":userId"].journeys.$get({ param: { userId } })),
  });
  return (
    <QueryView query={runs}>
      {({ data }) =>
        data.length === 0 ? (
          <Empty title="Not in any journey" />
        ) : (
          <Table>
            <thead>
              <tr>
                <Th>Journey</Th>
                <Th>Run</Th>
                <Th>Status</Th>
                <Th>Started</Th>
              </tr>
            </thead>
            <tbody>
              {data.map((run) => (
                <Tr key={run.runId}>
                  <Td>{run.journeyId}</Td>
                  <Td>
                    <Link
                      to="/journeys/$journeyId"
                      params={{ journeyId: run.journeyId }}
                      search={{ run: run.runId }}
                      className="font-mono text-xs text-brand-700 hover:underline"
                    >
                      {run.runId.slice(0, 8)}
                    </Link>
                  </Td>
                  <Td>
                    <StatusBadge status={run.status} />
                  </Td>
                  <Td className="text-xs text-zinc-500">{formatDate(run.createdAt)}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )
      }
    </QueryView>
  );
}

function ContactMessages({ userId }: { userId: string }) {
  const messages = useCursorPages({
    queryKey: ["messages", "user", userId],
    fetchPage: (cursor) =>
      unwrap(
        admin.messages.$get({ query: cursor ? { userId, limit: "50", cursor } : { userId, limit: "50" } }),
      ),
  });
  return (
    <QueryView query={messages}>
      {(data) =>
        data.length === 0 ? (
          <Empty title="No messages sent to this contact" />
        ) : (
          <>
            <Table>
              <thead>
                <tr>
                  <Th>Template</Th>
                  <Th>Subject</Th>
                  <Th>Status</Th>
                  <Th>Created</Th>
                </tr>
              </thead>
              <tbody>
                {data.map((message) => (
                  <Tr key={message.id}>
                    <Td className="font-mono text-xs">{message.template}</Td>
                    <Td>
                      <Link to="/messages" search={{ id: message.id }} className="hover:underline">
                        {message.subject}
                      </Link>
                    </Td>
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
  );
}
