import { useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCursorPages } from "../lib/cursor-pages";
import { formatDate, json } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card } from "../ui/card";
import { Field, Input } from "../ui/input";
import { LoadMore } from "../ui/load-more";
import { PageHeader, Pre } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

type Query = Parameters<(typeof admin)["audit-log"]["$get"]>[0]["query"];
type Entry = Awaited<ReturnType<typeof fetchAudit>>["data"][number];

const fetchAudit = (query: Query) => unwrap(admin["audit-log"].$get({ query }));

function actorOf(actor: Entry["actor"]): string {
  if (actor.type === "user") return actor.email;
  if (actor.type === "api_key") return `API key ${actor.name}`;
  return `system: ${actor.name}`;
}

export function AuditPage() {
  const search = useSearch({ from: "/app/audit" });
  const navigate = useNavigate({ from: "/audit" });
  const [draft, setDraft] = useState({
    action: search.action ?? "",
    actor: search.actor ?? "",
    target: search.target ?? "",
  });
  const log = useCursorPages({
    queryKey: ["audit", search.action, search.actor, search.target],
    fetchPage: (cursor) => {
      const query: Query = { limit: "100" };
      if (cursor) query.cursor = cursor;
      if (search.action) query.action = search.action;
      if (search.actor) query.actorId = search.actor;
      if (search.target) query.targetId = search.target;
      return fetchAudit(query);
    },
  });
  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Every change made through the admin API, Studio or the CLI: who, what, when"
      />
      <form
        className="mb-4 flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void navigate({
            search: {
              action: draft.action || undefined,
              actor: draft.actor || undefined,
              target: draft.target || undefined,
            },
          });
        }}
      >
        <Field label="Action">
          <Input
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
            placeholder="run.cancelled"
          />
        </Field>
        <Field label="Actor id">
          <Input
            value={draft.actor}
            onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
            placeholder="key or user id"
          />
        </Field>
        <Field label="Target id">
          <Input
            value={draft.target}
            onChange={(e) => setDraft({ ...draft, target: e.target.value })}
            placeholder="user_123"
          />
        </Field>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
      </form>
      <Card>
        <QueryView query={log}>
          {(data) =>
            data.length === 0 ? (
              <Empty title="No audit entries match" />
            ) : (
              <>
                <Table>
                  <thead>
                    <tr>
                      <Th>When</Th>
                      <Th>Actor</Th>
                      <Th>Action</Th>
                      <Th>Target</Th>
                      <Th>Change</Th>
                    </tr>
                  </thead>
                  <tbody data-testid="audit-rows">
                    {data.map((entry) => (
                      <Tr key={entry.id}>
                        <Td className="text-xs whitespace-nowrap text-zinc-500">
                          {formatDate(entry.occurredAt)}
                        </Td>
                        <Td className="text-sm">
                          {actorOf(entry.actor)}
                          {entry.ip ? (
                            <div className="font-mono text-xs text-zinc-400">{entry.ip}</div>
                          ) : null}
                        </Td>
                        <Td>
                          <Badge tone="info">{entry.action}</Badge>
                        </Td>
                        <Td className="font-mono text-xs">
                          {entry.targetType} {entry.targetId}
                        </Td>
                        <Td>
                          {entry.redactedAt ? (
                            <Badge>personal data erased</Badge>
                          ) : entry.before !== null || entry.after !== null ? (
                            <details>
                              <summary className="cursor-pointer text-xs text-zinc-600">
                                before / after
                              </summary>
                              <div className="mt-1 grid gap-2 md:grid-cols-2">
                                <Pre value={json(entry.before)} />
                                <Pre value={json(entry.after)} />
                              </div>
                            </details>
                          ) : (
                            "—"
                          )}
                        </Td>
                      </Tr>
                    ))}
                  </tbody>
                </Table>
                <LoadMore list={log} />
              </>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
