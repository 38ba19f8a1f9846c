import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { useCursorPages } from "../lib/cursor-pages";
import { formatDate } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card, CardHeader } from "../ui/card";
import { ConfirmButton, Dialog } from "../ui/dialog";
import { Field, Input, Select, Textarea } from "../ui/input";
import { LoadMore } from "../ui/load-more";
import { PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

const REASONS = ["manual", "hard_bounce", "soft_bounce", "complaint"] as const;

export function SuppressionsPage() {
  const search = useSearch({ from: "/app/suppressions" });
  const navigate = useNavigate({ from: "/suppressions" });
  const queryClient = useQueryClient();
  const canMutate = useCanMutate();
  const [text, setText] = useState(search.q ?? "");
  const list = useCursorPages({
    queryKey: ["suppressions", search.q],
    // An address is one entry (or none); the whole list goes a page at a time.
    fetchPage: (cursor) =>
      unwrap(
        admin.suppressions.$get({
          query: search.q
            ? { email: search.q, limit: "100" }
            : cursor
              ? { limit: "100", cursor }
              : { limit: "100" },
        }),
      ),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["suppressions"] });
  const remove = useMutation({
    mutationFn: (email: string) => unwrap(admin.suppressions[":email"].$delete({ param: { email } })),
    onSettled: refresh,
  });
  return (
    <>
      <PageHeader
        title="Suppressions"
        subtitle="Addresses no email is sent to: bounces, complaints, unsubscribes and manual entries"
        actions={
          canMutate ? (
            <>
              <AddSuppression onDone={refresh} />
              <ImportSuppressions onDone={refresh} />
            </>
          ) : null
        }
      />
      <form
        className="mb-4 flex max-w-lg gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          void navigate({ search: { q: text.trim() || undefined } });
        }}
      >
        <Input
          aria-label="Find an address"
          placeholder="ada@example.com"
          className="flex-1"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit" variant="secondary">
          Find
        </Button>
      </form>
      <Card>
        <QueryView query={list}>
          {(data) =>
            data.length === 0 ? (
              <Empty title={search.q ? `${search.q} is not suppressed` : "Nothing is suppressed"} />
            ) : (
              <>
                <Table>
                  <thead>
                    <tr>
                      <Th>Email</Th>
                      <Th>Reason</Th>
                      <Th>Source</Th>
                      <Th>Note</Th>
                      <Th>Since</Th>
                      <Th />
                    </tr>
                  </thead>
                  <tbody>
                    {data.map((row) => (
                      <Tr key={row.email}>
                        <Td className="font-medium">{row.email}</Td>
                        <Td>
                          <Badge tone={row.reason === "manual" ? "neutral" : "bad"}>{row.reason}</Badge>
                        </Td>
                        <Td className="text-xs">{row.source}</Td>
                        <Td className="text-xs text-zinc-600">{row.note ?? "—"}</Td>
                        <Td className="text-xs text-zinc-500">{formatDate(row.createdAt)}</Td>
                        <Td>
                          {canMutate ? (
                            <ConfirmButton
                              label="Remove"
                              variant="secondary"
                              title={`Remove ${row.email}?`}
                              description="Email to this address is sent again."
                              confirmLabel="Remove"
                              onConfirm={() => remove.mutateAsync(row.email)}
                            />
                          ) : null}
                        </Td>
                      </Tr>
                    ))}
                  </tbody>
                </Table>
                <LoadMore list={list} />
              </>
            )
          }
        </QueryView>
      </Card>
    </>
  );
}

function AddSuppression({ onDone }: { onDone: () => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [reason, setReason] = useState<(typeof REASONS)[number]>("manual");
  const [note, setNote] = useState("");
  const add = useMutation({
    mutationFn: () =>
      unwrap(admin.suppressions.$post({ json: note ? { email, reason, note } : { email, reason } })),
    onSuccess: async () => {
      setOpen(false);
      setEmail("");
      setNote("");
      await onDone();
    },
  });
  return (
    <Dialog open={open} onOpenChange={setOpen} title="Suppress an address" trigger={<Button>Add</Button>}>
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate();
        }}
      >
        <Field label="Email">
          <Input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Reason">
          <Select value={reason} onChange={(e) => setReason(e.target.value as (typeof REASONS)[number])}>
            {REASONS.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </Select>
        </Field>
        <Field label="Note (optional)">
          <Input value={note} onChange={(e) => setNote(e.target.value)} />
        </Field>
        {add.error ? <p className="text-sm text-red-600">{add.error.message}</p> : null}
        <Button type="submit" disabled={add.isPending}>
          Suppress
        </Button>
      </form>
    </Dialog>
  );
}

function ImportSuppressions({ onDone }: { onDone: () => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [csv, setCsv] = useState("");
  const upload = useMutation({
    // A CSV body: the client's own JSON body does not apply, so the request's init carries it.
    mutationFn: () =>
      unwrap(
        admin.suppressions.import.$post(undefined, {
          init: {
            method: "POST",
            credentials: "include",
            body: csv,
            headers: { "content-type": "text/csv" },
          },
        }),
      ),
    onSuccess: () => onDone(),
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        upload.reset();
      }}
      title="Import suppressions (CSV)"
      description="One address per line: email[,reason]. A header line is optional."
      trigger={<Button variant="secondary">Import CSV</Button>}
    >
      <div className="flex flex-col gap-3">
        <input
          type="file"
          accept=".csv,text/csv"
          aria-label="CSV file"
          className="text-sm"
          onChange={async (e) => setCsv((await e.target.files?.[0]?.text()) ?? "")}
        />
        <Textarea
          rows={8}
          value={csv}
          onChange={(e) => setCsv(e.target.value)}
          placeholder={"email,reason\nada@example.com,manual"}
        />
        {upload.error ? <p className="text-sm text-red-600">{upload.error.message}</p> : null}
        {upload.data ? (
          <Card>
            <CardHeader title="Imported" />
            <p className="p-3 text-sm" role="status">
              {upload.data.data.rows} row(s): {upload.data.data.added} added,{" "}
              {upload.data.data.alreadySuppressed} already suppressed.
            </p>
          </Card>
        ) : null}
        <Button disabled={csv.trim() === "" || upload.isPending} onClick={() => upload.mutate()}>
          Import
        </Button>
      </div>
    </Dialog>
  );
}
