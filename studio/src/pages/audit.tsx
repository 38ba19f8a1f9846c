import { useQuery } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { unwrap } from "../lib/api";
import { type AuditEntry, contract } from "../lib/contract";
import { formatDate, json } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card } from "../ui/card";
import { Field, Input } from "../ui/input";
import { PageHeader, Pre } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

function actorOf(entry: AuditEntry): string {
  const actor = entry.actor;
  if (!actor) return "—";
  if (actor.type === "user") return actor.email;
  if (actor.type === "api_key") return `key ${actor.name}`;
  return actor.name;
}

function targetOf(entry: AuditEntry): string {
  if (typeof entry.target === "string") return entry.target;
  if (entry.target) return `${entry.target.type} ${entry.target.id}`;
  return [entry.targetType, entry.targetId].filter(Boolean).join(" ") || "—";
}

export function AuditPage() {
  const search = useSearch({ from: "/app/audit" });
  const navigate = useNavigate({ from: "/audit" });
  const [draft, setDraft] = useState({ action: search.action ?? "", actor: search.actor ?? "" });
  const log = useQuery({
    queryKey: ["audit", search.action, search.actor, search.target],
    queryFn: () => {
      const query: Record<string, string> = { limit: "100" };
      if (search.action) query.action = search.action;
      if (search.actor) query.actor = search.actor;
      if (search.target) query.target = search.target;
      return unwrap(contract.auditLog(query)) as Promise<{ data: AuditEntry[]; nextCursor: string | null }>;
    },
  });
  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Every change made through the admin API or Studio: who, what, when"
      />
      <form
        className="mb-4 flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void navigate({ search: { action: draft.action || undefined, actor: draft.actor || undefined } });
        }}
      >
        <Field label="Action">
          <Input
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
            placeholder="run.cancel"
          />
        </Field>
        <Field label="Actor">
          <Input
            value={draft.actor}
            onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
            placeholder="id"
          />
        </Field>
        <Button type="submit" variant="secondary">
          Filter
        </Button>
      </form>
      <Card>
        <QueryView query={log}>
          {({ data }) =>
            data.length === 0 ? (
              <Empty title="No audit entries yet" />
            ) : (
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
                        {formatDate(entry.createdAt)}
                      </Td>
                      <Td className="text-sm">
                        {actorOf(entry)}
                        {entry.ip ? <div className="font-mono text-xs text-zinc-400">{entry.ip}</div> : null}
                      </Td>
                      <Td>
                        <Badge tone="info">{entry.action}</Badge>
                      </Td>
                      <Td className="font-mono text-xs">{targetOf(entry)}</Td>
                      <Td>
                        {entry.before !== null || entry.after !== null ? (
                          <details>
                            <summary className="cursor-pointer text-xs text-zinc-600">before / after</summary>
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
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
