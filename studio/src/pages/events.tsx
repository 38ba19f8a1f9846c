import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { useCursorPages } from "../lib/cursor-pages";
import { formatDate } from "../lib/format";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Field, Input } from "../ui/input";
import { LoadMore } from "../ui/load-more";
import { PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";
import { Tabs } from "../ui/tabs";

export function EventsPage() {
  const search = useSearch({ from: "/app/events" });
  const navigate = useNavigate({ from: "/events" });
  return (
    <>
      <PageHeader title="Events" subtitle="The event store, newest first, and events routing gave up on" />
      <Card>
        <Tabs
          value={search.tab ?? "stream"}
          onValueChange={(tab) => navigate({ search: (s) => ({ ...s, tab }) })}
          tabs={[
            { value: "stream", label: "Stream", content: <Stream /> },
            { value: "dead-letters", label: "Routing dead letters", content: <DeadLetters /> },
          ]}
        />
      </Card>
    </>
  );
}

function Stream() {
  const search = useSearch({ from: "/app/events" });
  const navigate = useNavigate({ from: "/events" });
  const [draft, setDraft] = useState({
    name: search.name ?? "",
    userId: search.userId ?? "",
  });
  const events = useCursorPages({
    queryKey: ["events", "stream", search.name, search.userId],
    fetchPage: (cursor) => {
      // The route's own query type: a filter the API does not take fails tsc -p studio.
      const query: Parameters<typeof admin.events.$get>[0]["query"] = { limit: "100" };
      if (search.name) query.event = search.name;
      if (search.userId) query.userId = search.userId;
      if (cursor) query.cursor = cursor;
      return unwrap(admin.events.$get({ query }));
    },
    refetchInterval: 10_000,
  });
  return (
    <>
      <form
        className="flex flex-wrap items-end gap-2 border-b border-zinc-100 p-4"
        onSubmit={(event) => {
          event.preventDefault();
          void navigate({
            search: (s) => ({
              ...s,
              name: draft.name || undefined,
              userId: draft.userId || undefined,
            }),
          });
        }}
      >
        <Field label="Event name">
          <Input
            value={draft.name}
            onChange={(e) => setDraft({ ...draft, name: e.target.value })}
            placeholder="signed_up"
          />
        </Field>
        <Field label="User">
          <Input
            value={draft.userId}
            onChange={(e) => setDraft({ ...draft, userId: e.target.value })}
            placeholder="user_123"
          />
        </Field>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
      </form>
      <QueryView query={events}>
        {(data) =>
          data.length === 0 ? (
            <Empty title="No events match" />
          ) : (
            <>
              <Table>
                <thead>
                  <tr>
                    <Th>Occurred</Th>
                    <Th>Event</Th>
                    <Th>User</Th>
                    <Th>Source</Th>
                    <Th>Properties</Th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((event) => (
                    <Tr key={event.id}>
                      <Td className="text-xs whitespace-nowrap text-zinc-500">
                        {formatDate(event.occurredAt)}
                      </Td>
                      <Td className="font-medium">{event.event}</Td>
                      <Td>
                        <Link
                          to="/contacts/$userId"
                          params={{ userId: event.userId }}
                          search={{}}
                          className="hover:underline"
                        >
                          {event.userId}
                        </Link>
                      </Td>
                      <Td className="text-xs">{event.source}</Td>
                      <Td className="max-w-md truncate font-mono text-xs text-zinc-600">
                        {JSON.stringify(event.properties)}
                      </Td>
                    </Tr>
                  ))}
                </tbody>
              </Table>
              <LoadMore list={events} />
            </>
          )
        }
      </QueryView>
    </>
  );
}

function DeadLetters() {
  const queryClient = useQueryClient();
  const canMutate = useCanMutate();
  const failures = useQuery({
    queryKey: ["routing-failures"],
    queryFn: () => unwrap(admin.events["routing-failures"].$get({ query: { limit: "200" } })),
  });
  const requeue = useMutation({
    mutationFn: (eventId: number) =>
      unwrap(
        admin.events["routing-failures"][":eventId"].requeue.$post({ param: { eventId: String(eventId) } }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["routing-failures"] }),
  });
  return (
    <QueryView query={failures}>
      {({ data }) =>
        data.length === 0 ? (
          <Empty title="No routing dead letters">Every accepted event was routed.</Empty>
        ) : (
          <Table>
            <thead>
              <tr>
                <Th>Event</Th>
                <Th>User</Th>
                <Th>Error</Th>
                <Th>Attempts</Th>
                <Th>Failed</Th>
                <Th />
              </tr>
            </thead>
            <tbody>
              {data.map((failure) => (
                <Tr key={failure.eventId}>
                  <Td>
                    {failure.event ?? "—"}{" "}
                    <span className="font-mono text-xs text-zinc-400">#{failure.eventId}</span>
                  </Td>
                  <Td>{failure.userId ?? "—"}</Td>
                  <Td className="max-w-md font-mono text-xs text-red-700">{failure.error}</Td>
                  <Td className="tabular-nums">{failure.attempts}</Td>
                  <Td className="text-xs text-zinc-500">{formatDate(failure.failedAt)}</Td>
                  <Td>
                    {canMutate ? (
                      <Button size="sm" variant="secondary" onClick={() => requeue.mutate(failure.eventId)}>
                        Requeue
                      </Button>
                    ) : null}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )
      }
    </QueryView>
  );
}
