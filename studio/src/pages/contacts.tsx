import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { Search } from "lucide-react";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCursorPages } from "../lib/cursor-pages";
import { formatDate, relative } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card } from "../ui/card";
import { Input } from "../ui/input";
import { LoadMore } from "../ui/load-more";
import { PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

export function ContactsPage() {
  const search = useSearch({ from: "/app/contacts" });
  const navigate = useNavigate({ from: "/contacts" });
  const [text, setText] = useState(search.q ?? "");
  const contacts = useCursorPages({
    queryKey: ["contacts", search.q],
    fetchPage: (cursor) => {
      // `q` is the indexed search: an exact user id, an email prefix, or property:value.
      const query: { limit: string; q?: string; cursor?: string } = { limit: "100" };
      if (search.q) query.q = search.q;
      if (cursor) query.cursor = cursor;
      return unwrap(admin.contacts.$get({ query }));
    },
  });
  return (
    <>
      <PageHeader title="Contacts" subtitle="Search by user id, email, or property:value (plan:pro)" />
      <form
        className="mb-4 flex max-w-xl gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void navigate({ search: { q: text.trim() || undefined } });
        }}
      >
        <Input
          aria-label="Search contacts"
          placeholder="user_123, ada@, plan:pro"
          className="flex-1"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit" variant="secondary">
          <Search className="size-4" /> Search
        </Button>
      </form>
      <Card>
        <QueryView query={contacts}>
          {(data) =>
            data.length === 0 ? (
              <Empty title={search.q ? `No contact matches “${search.q}”` : "No contacts yet"}>
                Contacts are created by events and by the import.
              </Empty>
            ) : (
              <>
                <Table>
                  <thead>
                    <tr>
                      <Th>User</Th>
                      <Th>Email</Th>
                      <Th>Subscribed</Th>
                      <Th>Properties</Th>
                      <Th>Last seen</Th>
                      <Th>Created</Th>
                    </tr>
                  </thead>
                  <tbody data-testid="contact-rows">
                    {data.map((contact) => (
                      <Tr key={contact.userId}>
                        <Td>
                          <Link
                            to="/contacts/$userId"
                            params={{ userId: contact.userId }}
                            search={{}}
                            className="font-medium hover:text-brand-600"
                          >
                            {contact.userId}
                          </Link>
                        </Td>
                        <Td>{contact.email ?? <span className="text-zinc-400">—</span>}</Td>
                        <Td>
                          {contact.subscribed ? (
                            <Badge tone="good">yes</Badge>
                          ) : (
                            <Badge tone="warn">unsubscribed</Badge>
                          )}
                        </Td>
                        <Td className="max-w-xs truncate font-mono text-xs text-zinc-600">
                          {Object.entries(contact.properties)
                            .slice(0, 4)
                            .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
                            .join(", ")}
                        </Td>
                        <Td className="text-xs">{relative(contact.lastSeenAt)}</Td>
                        <Td className="text-xs text-zinc-500">{formatDate(contact.createdAt)}</Td>
                      </Tr>
                    ))}
                  </tbody>
                </Table>
                <LoadMore list={contacts} />
              </>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}
