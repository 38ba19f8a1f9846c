import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * `hogsend broadcasts …` as a user runs it: the real CLI (bin/hogsend.mjs, the examples' templates) on a test
 * database, its output read as text and JSON, and the rows and audit entries it left checked in the database.
 * No worker runs, so a sent broadcast stays where the CLI put it.
 */

let testDb: TestDatabase;
let dir: string;

const PRO_AUDIENCE = { conditions: [{ type: "property", property: "plan", operator: "eq", value: "pro" }] };
const PRO = ["bc-ada", "bc-grace"];

beforeAll(async () => {
  testDb = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), "hogsend-broadcasts-cli-"));
  await testDb.db.query(
    `INSERT INTO contacts (user_id, email, properties) VALUES
       ('bc-ada', 'ada@example.com', '{"plan":"pro"}'),
       ('bc-grace', 'grace@example.com', '{"plan":"pro"}'),
       ('bc-linus', 'linus@example.com', '{"plan":"free"}'),
       ('bc-nomail', NULL, '{"plan":"pro"}')`,
  );
});

afterAll(async () => {
  await testDb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(["broadcasts", ...args], { DATABASE_URL: testDb.url }, 90_000);

async function rows(): Promise<
  Array<{ id: string; name: string; status: string; scheduled_at: Date | null }>
> {
  const result = await testDb.db.query<{
    id: string;
    name: string;
    status: string;
    scheduled_at: Date | null;
  }>("SELECT id, name, status, scheduled_at FROM broadcasts ORDER BY created_at");
  return result.rows;
}

async function auditOf(id: string): Promise<Array<{ action: string; actor_id: string }>> {
  const result = await testDb.db.query<{ action: string; actor_id: string }>(
    "SELECT action, actor_id FROM audit_log WHERE target_type = 'broadcast' AND target_id = $1 ORDER BY id",
    [id],
  );
  return result.rows;
}

async function snapshot(): Promise<string> {
  const [broadcasts, audit, recipients] = await Promise.all([
    testDb.db.query("SELECT id, status, scheduled_at, cancelled_at FROM broadcasts ORDER BY id"),
    testDb.db.query("SELECT count(*)::int AS n FROM audit_log"),
    testDb.db.query("SELECT count(*)::int AS n FROM broadcast_recipients"),
  ]);
  return JSON.stringify([broadcasts.rows, audit.rows, recipients.rows]);
}

// Each CLI start compiles TypeScript through tsx, which takes seconds on a loaded 2-core machine.
describe("hogsend broadcasts", { timeout: 300_000 }, () => {
  let fromOptions: string;
  let fromFile: string;

  it("creates drafts from options and from --file, and lists them newest first", async () => {
    const created = await cli(
      "create",
      "--name",
      "Pro launch",
      "--template",
      "activation/welcome",
      "--subject",
      "Something new for pro",
      "--props",
      JSON.stringify({ firstName: "there" }),
      "--audience",
      JSON.stringify(PRO_AUDIENCE),
      "--rate",
      "50",
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /^[0-9a-f-]{36} {2}draft {9}Pro launch {2}\(activation\/welcome, product\) {2}recipients 0, /,
    );
    fromOptions = created.stdout.slice(0, 36);

    const file = path.join(dir, "broadcast.json");
    await writeFile(
      file,
      JSON.stringify({
        name: "Winback",
        template: "conversion-winback-offer",
        subject: "We miss you",
        category: "marketing",
        audience: {
          match: "any",
          conditions: [{ type: "property", property: "plan", operator: "eq", value: "free" }],
        },
      }),
    );
    const filed = await cli("create", "--file", file, "--json");
    expect(filed.code, filed.stderr).toBe(0);
    const body = JSON.parse(filed.stdout);
    expect(body).toMatchObject({
      name: "Winback",
      status: "draft",
      category: "marketing",
      ratePerSecond: null,
    });
    expect(body.stats).toMatchObject({ recipients: 0, sent: 0 });
    fromFile = body.id;

    const stored = await testDb.db.query(
      "SELECT name, template, subject, props, category, audience, rate_per_second, status FROM broadcasts WHERE id = $1",
      [fromOptions],
    );
    expect(stored.rows[0]).toEqual({
      name: "Pro launch",
      template: "activation/welcome",
      subject: "Something new for pro",
      props: { firstName: "there" },
      category: "product",
      audience: { match: "all", ...PRO_AUDIENCE },
      rate_per_second: 50,
      status: "draft",
    });
    expect(await auditOf(fromOptions)).toEqual([{ action: "broadcast.created", actor_id: "system:cli" }]);
    expect(await auditOf(fromFile)).toEqual([{ action: "broadcast.created", actor_id: "system:cli" }]);

    const [listed, drafts] = await Promise.all([cli("list"), cli("list", "--status", "draft", "--json")]);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split("\n");
    expect(lines.map((l) => l.slice(0, 36))).toEqual([fromFile, fromOptions]);
    expect(lines[0]).toContain("Winback  (conversion-winback-offer, marketing)");
    expect(JSON.parse(drafts.stdout).map((b: { id: string }) => b.id)).toEqual([fromFile, fromOptions]);
  });

  it("previews the audience: the count and a sample, without contacts lacking an address", async () => {
    const [text, json] = await Promise.all([
      cli("preview", fromOptions),
      cli("preview", fromOptions, "--sample", "1", "--json"),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(
      "2 contact(s) in the audience now\n  bc-ada  ada@example.com\n  bc-grace  grace@example.com\n",
    );
    expect(JSON.parse(json.stdout)).toEqual({
      count: PRO.length,
      sample: [{ userId: "bc-ada", email: "ada@example.com" }],
    });
  });

  it("sends now, schedules with --at, and cancels, each audited", async () => {
    const at = "2031-05-04T09:30:00.000Z";
    const [scheduled, sent] = await Promise.all([
      cli("send", fromFile, "--at", at, "--json"),
      cli("send", fromOptions),
    ]);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(JSON.parse(scheduled.stdout)).toMatchObject({
      id: fromFile,
      status: "scheduled",
      scheduledAt: at,
    });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(new RegExp(`^${fromOptions} {2}scheduled {5}Pro launch`));
    const byId = new Map((await rows()).map((r) => [r.id, r]));
    expect(byId.get(fromFile)?.scheduled_at?.toISOString()).toBe(at);
    // "Now" is due at once: the next worker to poll takes it.
    expect(Math.abs((byId.get(fromOptions)?.scheduled_at?.getTime() ?? 0) - Date.now())).toBeLessThan(
      120_000,
    );
    expect((await auditOf(fromFile)).map((a) => a.action)).toEqual([
      "broadcast.created",
      "broadcast.scheduled",
    ]);
    expect((await auditOf(fromOptions)).map((a) => a.action)).toEqual([
      "broadcast.created",
      "broadcast.send_requested",
    ]);

    const cancelled = await cli("cancel", fromFile);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^${fromFile} {2}cancelled {5}Winback`));
    expect(cancelled.stdout).toContain("0 queued message(s) taken out of the outbox");
    const row = (await rows()).find((r) => r.id === fromFile);
    expect(row?.status).toBe("cancelled");
    expect((await auditOf(fromFile)).map((a) => a.action)).toEqual([
      "broadcast.created",
      "broadcast.scheduled",
      "broadcast.cancelled",
    ]);
  });

  it("refuses bad input with a clear message and exit 1, and changes nothing", async () => {
    const before = await snapshot();
    const missing = "00000000-0000-4000-8000-000000000000";
    const badFile = path.join(dir, "bad.json");
    await writeFile(badFile, "{ name: nope");
    // One case per kind of refusal (each CLI start costs seconds): a schema error naming its field, a template
    // rule, bad JSON in an option, an unreadable or over-specified --file, a bad enum, a bad date, a bad state.
    const cases: Array<[string[], RegExp]> = [
      [
        [
          "create",
          "--name",
          "x",
          "--template",
          "activation/welcome",
          "--subject",
          "s",
          "--audience",
          JSON.stringify({ conditions: [{ type: "event", event: "a", did: true, within: { days: 0 } }] }),
        ],
        /^hogsend: Invalid broadcast\n {2}audience\.conditions\.0\.within\.days: .*>=1/m,
      ],
      [
        ["create", "--name", "x", "--template", "activation/welcome"],
        /declares no subject: give the broadcast one\n {2}subject: /,
      ],
      [
        ["create", "--name", "x", "--template", "activation/welcome", "--props", "{oops"],
        /--props is not valid JSON/,
      ],
      [["create", "--file", path.join(dir, "missing.json")], /Cannot read .*missing\.json: ENOENT/],
      [["create", "--file", badFile, "--name", "x"], /--file holds the whole broadcast: leave out --name/],
      [
        ["list", "--status", "done"],
        /--status must be one of draft, scheduled, materializing, sending, sent/,
      ],
      [["send", missing], /No broadcast 00000000-0000-4000-8000-000000000000/],
      [
        ["send", fromOptions, "--at", "2031-05-04T09:30"],
        /--at must be an ISO 8601 date-time with an offset/,
      ],
      [["send", fromFile], /is cancelled: only a draft or scheduled broadcast can be scheduled or sent/],
    ];
    // Independent and read-only when they fail: run them side by side (two at a time, as many as there are cores).
    const results: Array<Awaited<ReturnType<typeof cli>>> = [];
    for (let i = 0; i < cases.length; i += 2) {
      results.push(...(await Promise.all(cases.slice(i, i + 2).map(([args]) => cli(...args)))));
    }
    cases.forEach(([args, message], i) => {
      const result = results[i];
      const label = `hogsend broadcasts ${args.join(" ")}\n${result?.stderr}`;
      expect(result?.code, label).toBe(1);
      expect(result?.stderr, label).toMatch(message);
      expect(result?.stderr, label).not.toContain("unexpected error");
      expect(result?.stdout, label).toBe("");
    });
    expect(await snapshot()).toBe(before);
  });
});
