import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useSearch } from "@tanstack/react-router";
import Ajv2020 from "ajv/dist/2020";
import { useEffect, useMemo, useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { json } from "../lib/format";
import { Button } from "../ui/button";
import { Badge, Card, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { Field, Input, Textarea } from "../ui/input";
import { PageHeader, Pre } from "../ui/page";
import { Empty, ErrorState, QueryView } from "../ui/states";

type TemplateRow = Awaited<ReturnType<typeof fetchTemplates>>["data"][number];

const fetchTemplates = () => unwrap(admin.templates.$get());

// The server describes props in JSON Schema draft 2020-12 (from the template's zod schema).
const ajv = new Ajv2020({ allErrors: true, strict: false });

function compileSchema(schema: Record<string, unknown> | null) {
  if (!schema) return { validate: null, problem: null };
  try {
    return { validate: ajv.compile(schema), problem: null };
  } catch (error) {
    return {
      validate: null,
      problem: `The props schema cannot be checked here: ${(error as Error).message}`,
    };
  }
}

export function TemplatesPage() {
  const search = useSearch({ from: "/app/templates" });
  const templates = useQuery({ queryKey: ["templates"], queryFn: fetchTemplates });
  return (
    <>
      <PageHeader
        title="Templates"
        subtitle="Every registered template: its category, props schema and a live preview"
      />
      <QueryView query={templates}>
        {({ data }) => {
          const rows = data;
          if (rows.length === 0) {
            return (
              <Card>
                <Empty title="No templates registered">
                  Add templates to your project's hogsend.config.ts.
                </Empty>
              </Card>
            );
          }
          const selected = rows.find((t) => t.key === search.key) ?? rows[0];
          return (
            <div className="grid gap-4 lg:grid-cols-[16rem_1fr]">
              <Card className="self-start">
                <ul className="divide-y divide-zinc-100">
                  {rows.map((t) => (
                    <li key={t.key}>
                      <Link
                        to="/templates"
                        search={{ key: t.key }}
                        className={cn(
                          "block px-3 py-2 hover:bg-zinc-50",
                          t.key === selected?.key && "bg-brand-50",
                        )}
                      >
                        <div className="truncate font-mono text-xs font-medium">{t.key}</div>
                        <div className="mt-0.5">
                          <Badge>{t.category}</Badge>
                        </div>
                      </Link>
                    </li>
                  ))}
                </ul>
              </Card>
              {selected ? <TemplateDetail key={selected.key} template={selected} /> : null}
            </div>
          );
        }}
      </QueryView>
    </>
  );
}

function TemplateDetail({ template }: { template: TemplateRow }) {
  const canMutate = useCanMutate();
  const [propsText, setPropsText] = useState(json(template.previewProps ?? {}));
  const [asContact, setAsContact] = useState("");
  const [debounced, setDebounced] = useState({ propsText, asContact });
  useEffect(() => {
    const timer = setTimeout(() => setDebounced({ propsText, asContact }), 300);
    return () => clearTimeout(timer);
  }, [propsText, asContact]);
  const { validate, problem: schemaProblem } = useMemo(
    () => compileSchema(template.propsSchema),
    [template.propsSchema],
  );
  const parsed = useMemo((): { props?: Record<string, unknown>; problems: string[] } => {
    let props: unknown;
    try {
      props = JSON.parse(debounced.propsText);
    } catch (error) {
      return { problems: [`Not JSON: ${(error as Error).message}`] };
    }
    if (typeof props !== "object" || props === null || Array.isArray(props))
      return { problems: ["Props must be a JSON object"] };
    if (validate && !validate(props)) {
      return {
        props: props as Record<string, unknown>,
        problems: (validate.errors ?? []).map(
          (e) => `${e.instancePath || "(props)"} ${e.message ?? "is invalid"}`,
        ),
      };
    }
    return { props: props as Record<string, unknown>, problems: [] };
  }, [debounced.propsText, validate]);
  const preview = useQuery({
    queryKey: ["preview", template.key, debounced],
    enabled: parsed.problems.length === 0,
    // The GET preview: a viewer (read-only) may render too. `format: html` answers the rendered email.
    queryFn: async () => {
      const query: { props: string; format: "html"; asContact?: string } = {
        props: JSON.stringify(parsed.props ?? {}),
        format: "html",
      };
      if (debounced.asContact) query.asContact = debounced.asContact;
      const res = await admin.templates[":key{.+}"].preview.$get({ param: { key: template.key }, query });
      if (!res.ok) await unwrap(Promise.resolve(res));
      return { html: await res.text(), subject: null as string | null };
    },
  });
  return (
    <div className="flex flex-col gap-4">
      <Card>
        <CardHeader title={<span className="font-mono">{template.key}</span>}>
          <Badge>{template.category}</Badge> {template.description}
        </CardHeader>
        <div className="grid gap-4 p-4 xl:grid-cols-2">
          <div className="flex flex-col gap-3">
            <Field label="Props (JSON)">
              <Textarea
                aria-label="Props"
                rows={12}
                value={propsText}
                onChange={(e) => setPropsText(e.target.value)}
                spellCheck={false}
              />
            </Field>
            {parsed.problems.length > 0 ? (
              <ul
                role="alert"
                className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-800"
                data-testid="props-problems"
              >
                {parsed.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            ) : (
              <p className="text-xs text-emerald-700">
                {validate ? "Props match the schema." : (schemaProblem ?? "No props schema declared.")}
              </p>
            )}
            <Field label="Preview as contact (user id, optional)">
              <Input
                value={asContact}
                onChange={(e) => setAsContact(e.target.value)}
                placeholder="user_123"
              />
            </Field>
            <details>
              <summary className="cursor-pointer text-xs text-zinc-600">Props schema</summary>
              <div className="mt-2">
                {template.propsSchema ? (
                  <Pre value={json(template.propsSchema)} />
                ) : (
                  <p className="text-xs text-zinc-500">None declared.</p>
                )}
              </div>
            </details>
          </div>
          <div className="flex min-h-[28rem] flex-col overflow-hidden rounded-md border border-zinc-200">
            {preview.data?.subject ? (
              <div className="border-b border-zinc-100 px-3 py-2 text-sm">
                <span className="text-zinc-500">Subject:</span> {preview.data.subject}
              </div>
            ) : null}
            {preview.error ? (
              <ErrorState error={preview.error} title="Could not render" />
            ) : preview.data ? (
              <iframe
                title="Template preview"
                sandbox=""
                srcDoc={preview.data.html}
                className="w-full flex-1 bg-white"
              />
            ) : (
              <div className="grid flex-1 place-items-center text-sm text-zinc-400">
                {parsed.problems.length > 0 ? "Fix the props to preview" : "Rendering…"}
              </div>
            )}
          </div>
        </div>
      </Card>
      {canMutate ? (
        <TestSend templateKey={template.key} props={parsed.props} disabled={parsed.problems.length > 0} />
      ) : null}
    </div>
  );
}

function TestSend({
  templateKey,
  props,
  disabled,
}: {
  templateKey: string;
  props: Record<string, unknown> | undefined;
  disabled: boolean;
}) {
  const [to, setTo] = useState("");
  const send = useMutation({
    mutationFn: () =>
      unwrap(
        admin.templates[":key{.+}"]["test-send"].$post({
          param: { key: templateKey },
          json: props ? { to, props } : { to },
        }),
      ),
  });
  return (
    <Card>
      <CardHeader title="Send a test">Through the outbox like any send; recorded in the audit log</CardHeader>
      <form
        className="flex flex-wrap items-end gap-2 p-4"
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate();
        }}
      >
        <Field label="To">
          <Input
            type="email"
            required
            value={to}
            onChange={(e) => setTo(e.target.value)}
            placeholder="you@example.com"
          />
        </Field>
        <Button type="submit" disabled={disabled || send.isPending}>
          Send test
        </Button>
        {send.error ? <span className="text-sm text-red-600">{send.error.message}</span> : null}
        {send.isSuccess ? (
          <span className="text-sm text-emerald-700" role="status">
            Queued.{" "}
            {send.data.data.messageId ? (
              <Link to="/messages" search={{ id: send.data.data.messageId }} className="underline">
                See the message
              </Link>
            ) : null}
          </span>
        ) : null}
      </form>
    </Card>
  );
}
