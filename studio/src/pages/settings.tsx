import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Copy } from "lucide-react";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { authAdmin, type Role, useCanMutate, useSession } from "../lib/auth";
import { formatDate } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card, CardHeader } from "../ui/card";
import { ConfirmButton, Dialog } from "../ui/dialog";
import { Field, Input, Select } from "../ui/input";
import { PageHeader } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

const SCOPES = ["ingest", "admin"] as const;

export function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" subtitle="API keys, and who can sign in to Studio" />
      <div className="flex flex-col gap-5">
        <ApiKeys />
        <StudioUsers />
      </div>
    </>
  );
}

function ApiKeys() {
  const queryClient = useQueryClient();
  const canMutate = useCanMutate();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: () => unwrap(admin["api-keys"].$get()) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["api-keys"] });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(admin["api-keys"][":id"].$delete({ param: { id } })),
    onSettled: refresh,
  });
  return (
    <Card>
      <CardHeader title="API keys" actions={canMutate ? <CreateKey onDone={refresh} /> : null}>
        A key is shown once, when it is created; only its prefix is kept readable.
      </CardHeader>
      <QueryView query={keys}>
        {({ data }) =>
          data.length === 0 ? (
            <Empty title="No API keys" />
          ) : (
            <Table>
              <thead>
                <tr>
                  <Th>Name</Th>
                  <Th>Scope</Th>
                  <Th>Prefix</Th>
                  <Th>Created</Th>
                  <Th>Last used</Th>
                  <Th>State</Th>
                  <Th />
                </tr>
              </thead>
              <tbody>
                {data.map((key) => (
                  <Tr key={key.id}>
                    <Td className="font-medium">{key.name}</Td>
                    <Td>
                      <Badge tone={key.scope === "admin" ? "warn" : "neutral"}>{key.scope}</Badge>
                    </Td>
                    <Td className="font-mono text-xs">{key.prefix}…</Td>
                    <Td className="text-xs text-zinc-500">{formatDate(key.createdAt)}</Td>
                    <Td className="text-xs text-zinc-500">{formatDate(key.lastUsedAt)}</Td>
                    <Td>
                      {key.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="good">active</Badge>}
                    </Td>
                    <Td>
                      {canMutate && !key.revokedAt ? (
                        <ConfirmButton
                          label="Revoke"
                          title={`Revoke ${key.name}?`}
                          description="Requests with this key are refused from now on. This cannot be undone."
                          confirmLabel="Revoke key"
                          onConfirm={() => revoke.mutateAsync(key.id)}
                        />
                      ) : null}
                    </Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
          )
        }
      </QueryView>
    </Card>
  );
}

function CreateKey({ onDone }: { onDone: () => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<(typeof SCOPES)[number]>("ingest");
  const create = useMutation({
    mutationFn: () => unwrap(admin["api-keys"].$post({ json: { name, scope } })),
    onSuccess: () => onDone(),
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          create.reset();
          setName("");
        }
      }}
      title="Create an API key"
      trigger={<Button size="sm">Create key</Button>}
    >
      {create.data ? (
        <div className="flex flex-col gap-3">
          <p className="text-sm">Copy the key now: it is not shown again.</p>
          <div className="flex items-center gap-2 rounded-md bg-zinc-950 p-3">
            <code className="flex-1 font-mono text-xs break-all text-emerald-300" data-testid="new-key">
              {create.data.data.key}
            </code>
            <button
              type="button"
              aria-label="Copy key"
              className="text-zinc-400 hover:text-white"
              onClick={() => void navigator.clipboard?.writeText(create.data.data.key)}
            >
              <Copy className="size-4" />
            </button>
          </div>
          <Button onClick={() => setOpen(false)}>Done</Button>
        </div>
      ) : (
        <form
          className="flex flex-col gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Field label="Name">
            <Input
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="backend ingest"
            />
          </Field>
          <Field label="Scope">
            <Select value={scope} onChange={(e) => setScope(e.target.value as (typeof SCOPES)[number])}>
              {SCOPES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
          </Field>
          {create.error ? <p className="text-sm text-red-600">{create.error.message}</p> : null}
          <Button type="submit" disabled={create.isPending}>
            Create
          </Button>
        </form>
      )}
    </Dialog>
  );
}

type StudioUser = {
  id: string;
  email: string;
  name: string;
  role?: string | null;
  banned?: boolean | null;
  createdAt: string;
};

function StudioUsers() {
  const queryClient = useQueryClient();
  const canMutate = useCanMutate();
  const me = useSession().data;
  const users = useQuery({
    queryKey: ["studio-users"],
    queryFn: () => authAdmin<{ users: StudioUser[] }>("/list-users", undefined, { limit: "200" }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["studio-users"] });
  const setRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      authAdmin("/set-role", { userId, role }),
    onSettled: refresh,
  });
  const setBanned = useMutation({
    mutationFn: ({ userId, banned }: { userId: string; banned: boolean }) =>
      authAdmin(banned ? "/ban-user" : "/unban-user", { userId }),
    onSettled: refresh,
  });
  return (
    <Card>
      <CardHeader title="Studio users" actions={canMutate ? <CreateUser onDone={refresh} /> : null}>
        Admins change things; viewers only look.
      </CardHeader>
      <QueryView query={users}>
        {({ users: list }) =>
          list.length === 0 ? (
            <Empty title="No users" />
          ) : (
            <Table>
              <thead>
                <tr>
                  <Th>Email</Th>
                  <Th>Name</Th>
                  <Th>Role</Th>
                  <Th>State</Th>
                  <Th>Created</Th>
                  <Th />
                </tr>
              </thead>
              <tbody>
                {list.map((user) => (
                  <Tr key={user.id}>
                    <Td className="font-medium">{user.email}</Td>
                    <Td>{user.name}</Td>
                    <Td>
                      {canMutate && user.id !== me?.id ? (
                        <Select
                          aria-label={`Role of ${user.email}`}
                          value={user.role === "admin" ? "admin" : "viewer"}
                          onChange={(e) => setRole.mutate({ userId: user.id, role: e.target.value as Role })}
                        >
                          <option value="admin">admin</option>
                          <option value="viewer">viewer</option>
                        </Select>
                      ) : (
                        <Badge tone={user.role === "admin" ? "info" : "neutral"}>
                          {user.role ?? "viewer"}
                        </Badge>
                      )}
                    </Td>
                    <Td>
                      {user.banned ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>}
                    </Td>
                    <Td className="text-xs text-zinc-500">{formatDate(user.createdAt)}</Td>
                    <Td>
                      {canMutate && user.id !== me?.id ? (
                        <Button
                          size="sm"
                          variant="secondary"
                          onClick={() => setBanned.mutate({ userId: user.id, banned: !user.banned })}
                        >
                          {user.banned ? "Enable" : "Disable"}
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
      {setRole.error || setBanned.error ? (
        <p role="alert" className="px-4 pb-3 text-sm text-red-600">
          {(setRole.error ?? setBanned.error)?.message}
        </p>
      ) : null}
    </Card>
  );
}

function CreateUser({ onDone }: { onDone: () => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ email: "", name: "", password: "", role: "viewer" as Role });
  const create = useMutation({
    mutationFn: () => authAdmin("/create-user", { ...form, name: form.name || form.email }),
    onSuccess: async () => {
      setOpen(false);
      setForm({ email: "", name: "", password: "", role: "viewer" });
      await onDone();
    },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={setOpen}
      title="Add a Studio user"
      trigger={<Button size="sm">Add user</Button>}
    >
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field label="Email">
          <Input
            type="email"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
        </Field>
        <Field label="Name">
          <Input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </Field>
        <Field label="Password (12 characters or more)">
          <Input
            type="password"
            required
            minLength={12}
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </Field>
        <Field label="Role">
          <Select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            <option value="viewer">viewer (read-only)</option>
            <option value="admin">admin</option>
          </Select>
        </Field>
        {create.error ? <p className="text-sm text-red-600">{create.error.message}</p> : null}
        <Button type="submit" disabled={create.isPending}>
          Add user
        </Button>
      </form>
    </Dialog>
  );
}
