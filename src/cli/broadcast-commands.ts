import { readFile } from "node:fs/promises";
import { assertSchemaCurrent, createApp } from "../app.js";
import { CLI_AUDIT_CONTEXT } from "../audit/audit-entry.js";
import {
  type BroadcastWithStats,
  cancelBroadcast,
  createBroadcast,
  listBroadcastsWithStats,
  previewBroadcast,
  scheduleBroadcast,
} from "../broadcasts/broadcast-service.js";
import type { Config } from "../config.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { isUuid } from "../lib/input-guard/index.js";
import { examplesConfigPath } from "../project/examples-config.js";
import { loadProject } from "../project/load-project.js";

/**
 * `hogsend broadcasts …`: the admin API's broadcast operations straight on the database (like `contacts import`),
 * audited as the CLI. Output is one line per broadcast, or JSON with --json.
 */

interface Common {
  config?: string;
  json?: boolean;
}

async function withApp<T>(
  config: Config,
  options: Common,
  work: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>,
) {
  const { templates } = await loadProject({
    configPath: options.config ?? config.configFile,
    fallbackConfigPath: examplesConfigPath(),
  });
  const app = await createApp(config, { templates });
  try {
    await assertSchemaCurrent(app);
    return await work(app);
  } finally {
    await app.close();
  }
}

function line(b: BroadcastWithStats): string {
  const s = b.stats;
  return (
    `${b.id}  ${b.status.padEnd(13)} ${b.name}  (${b.template}, ${b.category})  ` +
    `recipients ${s.recipients}, queued ${s.queued}, sent ${s.sent}, skipped ${s.skipped}, ` +
    `opened ${s.opened}, clicked ${s.clicked}`
  );
}

function print(value: BroadcastWithStats, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${line(value)}\n`);
}

function checkId(id: string): string {
  if (!isUuid(id))
    throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `"${id}" is not a broadcast id (a UUID)`);
  return id;
}

/** `hogsend broadcasts list [--status S] [--json]` */
export async function listBroadcastsCommand(
  config: Config,
  options: Common & { status?: string; limit?: string },
): Promise<void> {
  await withApp(config, options, async (app) => {
    const page = await listBroadcastsWithStats(app.db, {
      status: options.status as never,
      limit: Math.min(Math.max(Number(options.limit ?? 50) || 50, 1), 200),
    });
    if (options.json) process.stdout.write(`${JSON.stringify(page.broadcasts)}\n`);
    else if (page.broadcasts.length === 0)
      process.stdout.write("No broadcasts yet: `hogsend broadcasts create`\n");
    else for (const b of page.broadcasts) print(b, false);
  });
}

/**
 * `hogsend broadcasts create --file broadcast.json` (or `--name --template --audience JSON …`): a draft, checked
 * against the project's templates as the API checks it.
 */
export async function createBroadcastCommand(
  config: Config,
  options: Common & {
    file?: string;
    name?: string;
    template?: string;
    subject?: string;
    category?: string;
    props?: string;
    audience?: string;
    rate?: string;
  },
): Promise<void> {
  const parse = (what: string, text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw new HogsendError(ErrorCodes.VALIDATION_FAILED, `${what} is not valid JSON`);
    }
  };
  const input = options.file
    ? parse(options.file, await readFile(options.file, "utf8"))
    : {
        name: options.name,
        template: options.template,
        ...(options.subject === undefined ? {} : { subject: options.subject }),
        ...(options.category === undefined ? {} : { category: options.category }),
        ...(options.props === undefined ? {} : { props: parse("--props", options.props) }),
        audience: options.audience === undefined ? { conditions: [] } : parse("--audience", options.audience),
        ...(options.rate === undefined ? {} : { ratePerSecond: Number(options.rate) }),
      };
  await withApp(config, options, async (app) => {
    const created = await createBroadcast(app.db, app.templates, input as never, CLI_AUDIT_CONTEXT);
    print(created, options.json);
  });
}

/** `hogsend broadcasts preview ID [--sample N]` */
export async function previewBroadcastCommand(
  config: Config,
  id: string,
  options: Common & { sample?: string },
): Promise<void> {
  await withApp(config, options, async (app) => {
    const sample = Math.min(Math.max(Number(options.sample ?? 10) || 0, 0), 100);
    const preview = await previewBroadcast(app.db, checkId(id), app.clock.now(), sample);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(preview)}\n`);
      return;
    }
    process.stdout.write(`${preview.count} contact(s) in the audience now\n`);
    for (const s of preview.sample) process.stdout.write(`  ${s.userId}  ${s.email}\n`);
  });
}

/** `hogsend broadcasts send ID [--at ISO]`: now, or scheduled for a time. */
export async function sendBroadcastCommand(
  config: Config,
  id: string,
  options: Common & { at?: string },
): Promise<void> {
  await withApp(config, options, async (app) => {
    const now = app.clock.now();
    let at = now;
    if (options.at !== undefined) {
      at = new Date(options.at);
      if (Number.isNaN(at.getTime())) {
        throw new HogsendError(ErrorCodes.VALIDATION_FAILED, "--at must be an ISO 8601 date-time");
      }
    }
    const scheduled = await scheduleBroadcast(
      app.db,
      checkId(id),
      at < now ? now : at,
      CLI_AUDIT_CONTEXT,
      options.at === undefined ? "broadcast.send_requested" : "broadcast.scheduled",
    );
    print(scheduled, options.json);
  });
}

/** `hogsend broadcasts cancel ID` */
export async function cancelBroadcastCommand(config: Config, id: string, options: Common): Promise<void> {
  await withApp(config, options, async (app) => {
    const cancelled = await cancelBroadcast(app.db, checkId(id), app.clock.now(), CLI_AUDIT_CONTEXT);
    print(cancelled, options.json);
  });
}
