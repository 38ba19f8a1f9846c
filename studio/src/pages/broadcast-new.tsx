import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { broadcastKeys } from "../lib/broadcast-queries";
import { json } from "../lib/format";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { FieldProblems } from "../ui/field-problems";
import { Field, Input, Select, Textarea } from "../ui/input";
import { PageHeader, Pre } from "../ui/page";
import { Empty, QueryView } from "../ui/states";
import { AudiencePreview } from "./audience-preview";

type CreateBody = Parameters<typeof admin.broadcasts.$post>[0]["json"];

const AUDIENCE = json({ match: "all", conditions: [] });
const EXAMPLES = json([
  { type: "property", property: "plan", operator: "eq", value: "pro" },
  { type: "event", event: "feature.used", did: true, within: { days: 30 } },
  { type: "event", event: "upgraded", did: false },
  { type: "subscribed", category: "marketing" },
]);

/** A JSON textarea's value: parsed, absent (blank and optional), or why it is not JSON. */
function parseJson(text: string, optional: boolean): { value?: unknown; problem?: string } {
  if (text.trim() === "") return optional ? {} : { problem: "Required" };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { problem: `Not valid JSON: ${(error as Error).message}` };
  }
}

function JsonProblem({ problem }: { problem: string | undefined }) {
  return problem ? <span className="text-xs text-red-600">{problem}</span> : null;
}

export function NewBroadcastPage() {
  const canMutate = useCanMutate();
  return (
    <>
      <PageHeader
        title="New broadcast"
        subtitle={
          <Link to="/broadcasts" search={{}} className="hover:underline">
            ← Broadcasts
          </Link>
        }
      />
      {canMutate ? (
        <BroadcastForm />
      ) : (
        <Card>
          <Empty title="Only admins create broadcasts">Viewers see every broadcast and its stats.</Empty>
        </Card>
      )}
    </>
  );
}

function BroadcastForm() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const templates = useQuery({ queryKey: ["templates"], queryFn: () => unwrap(admin.templates.$get()) });
  const [form, setForm] = useState({
    name: "",
    template: "",
    subject: "",
    category: "",
    props: "{}",
    audience: AUDIENCE,
    sendWindow: "",
    rate: "",
  });
  const rows = templates.data?.data ?? [];
  const template = rows.find((t) => t.key === form.template) ?? rows[0];
  const categories = [...new Set(rows.map((t) => t.category))].filter((c) => c !== "transactional");
  const category = form.category || template?.category || "";
  const props = parseJson(form.props, true);
  const audience = parseJson(form.audience, false);
  const sendWindow = parseJson(form.sendWindow, true);
  const jsonReady = !props.problem && !audience.problem && !sendWindow.problem;
  const preview = useMutation({
    mutationFn: () =>
      unwrap(
        admin.broadcasts.preview.$post({
          json: { audience: audience.value as CreateBody["audience"], category, sample: 10 },
        }),
      ),
  });
  const create = useMutation({
    mutationFn: () => {
      const body: CreateBody = {
        name: form.name,
        template: template?.key ?? "",
        audience: audience.value as CreateBody["audience"],
      };
      if (form.subject.trim()) body.subject = form.subject;
      if (form.category) body.category = form.category;
      if (props.value !== undefined) body.props = props.value as CreateBody["props"];
      if (sendWindow.value !== undefined) body.sendWindow = sendWindow.value as CreateBody["sendWindow"];
      if (form.rate.trim()) body.ratePerSecond = Number(form.rate);
      return unwrap(admin.broadcasts.$post({ json: body }));
    },
    onSuccess: async ({ data }) => {
      await queryClient.invalidateQueries({ queryKey: broadcastKeys.all });
      await navigate({ to: "/broadcasts/$broadcastId", params: { broadcastId: data.id } });
    },
  });
  // The API's refusal stays up while the fields it names are fixed, until the next submit.
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) => {
    setForm({ ...form, [field]: e.target.value });
    // A count of another audience (or category) would mislead: it goes until asked again.
    if (field === "audience" || field === "template" || field === "category") preview.reset();
  };
  return (
    <QueryView query={templates} loadingLabel="Loading templates…">
      {() =>
        rows.length === 0 ? (
          <Card>
            <Empty title="No templates registered">
              A broadcast sends one of your project's templates; add one to hogsend.config.ts.
            </Empty>
          </Card>
        ) : (
          <div className="grid items-start gap-5 lg:grid-cols-[minmax(0,1fr)_24rem]">
            <Card>
              <CardHeader title="Draft">
                Created as a draft: nothing is sent until you send or schedule it.
              </CardHeader>
              <form
                className="flex flex-col gap-3 p-4"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (jsonReady) create.mutate();
                }}
              >
                <div className="grid gap-3 sm:grid-cols-2">
                  <Field label="Name">
                    <Input required value={form.name} onChange={set("name")} placeholder="Pro launch" />
                  </Field>
                  <Field label="Template">
                    <Select value={template?.key ?? ""} onChange={set("template")}>
                      {rows.map((t) => (
                        <option key={t.key} value={t.key}>
                          {t.key} ({t.category})
                        </option>
                      ))}
                    </Select>
                  </Field>
                  <Field label="Subject (required when the template declares none)">
                    <Input
                      value={form.subject}
                      onChange={set("subject")}
                      placeholder="the template's subject"
                    />
                  </Field>
                  <Field label="Category">
                    <Select value={form.category} onChange={set("category")}>
                      <option value="">the template's ({template?.category})</option>
                      {categories.map((c) => (
                        <option key={c} value={c}>
                          {c}
                        </option>
                      ))}
                    </Select>
                  </Field>
                </div>
                <Field label="Props (JSON)">
                  <Textarea rows={3} value={form.props} onChange={set("props")} spellCheck={false} />
                  <JsonProblem problem={props.problem} />
                </Field>
                <Field label="Audience (JSON)">
                  <Textarea rows={8} value={form.audience} onChange={set("audience")} spellCheck={false} />
                  <JsonProblem problem={audience.problem} />
                </Field>
                <details className="text-xs text-zinc-600">
                  <summary className="cursor-pointer">Conditions the audience takes</summary>
                  <p className="my-1">
                    <code>match</code> is <code>all</code> or <code>any</code>; property operators: eq, neq,
                    gt, gte, lt, lte, contains, not_contains, exists, not_exists.
                  </p>
                  <Pre value={EXAMPLES} />
                </details>
                <div className="grid gap-3 sm:grid-cols-2">
                  <Field label="Send window (JSON, optional)">
                    <Textarea
                      rows={2}
                      value={form.sendWindow}
                      onChange={set("sendWindow")}
                      spellCheck={false}
                      placeholder='{ "start": "09:00", "end": "18:00" }'
                    />
                    <JsonProblem problem={sendWindow.problem} />
                  </Field>
                  <Field label="Rate (recipients per second, optional)">
                    <Input
                      type="number"
                      min={1}
                      step={1}
                      value={form.rate}
                      onChange={set("rate")}
                      placeholder="server default"
                    />
                  </Field>
                </div>
                <FieldProblems error={create.error} />
                <div className="flex gap-2">
                  <Button type="submit" disabled={!jsonReady || create.isPending}>
                    Create draft
                  </Button>
                  <Button
                    variant="secondary"
                    disabled={audience.problem !== undefined || preview.isPending}
                    onClick={() => preview.mutate()}
                  >
                    Preview audience
                  </Button>
                </div>
              </form>
            </Card>
            <Card>
              <CardHeader title="Audience">
                Counted now, with the {category || "chosen"} category's unsubscribes applied
              </CardHeader>
              {preview.error ? (
                <div className="p-3">
                  <FieldProblems error={preview.error} />
                </div>
              ) : preview.data ? (
                <AudiencePreview preview={preview.data.data} />
              ) : (
                <Empty title="Not previewed yet">Preview audience counts who would get it if sent now.</Empty>
              )}
            </Card>
          </div>
        )
      }
    </QueryView>
  );
}
