import { readFile } from "node:fs/promises";
import { assertSchemaCurrent, createApp } from "../app.js";
import { CLI_AUDIT_CONTEXT } from "../audit/audit-entry.js";
import { MAX_BROADCAST_RATE } from "../broadcasts/broadcast-input.js";
import {
  type BroadcastWithStats,
  cancelBroadcast,
  createBroadcast,
  listBroadcastsWithStats,
  previewBroadcast,
  scheduleBroadcast,
} from "../broadcasts/broadcast-service.js";
import { BROADCAST_STATUSES, type BroadcastStatus } from "../broadcasts/broadcast-store.js";
import type { Config } from "../config.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { isUuid, storableTimestamp } from "../lib/input-guard/index.js";
import { examplesConfigPath } from "../project/examples-config.js";
import { loadProject } from "../project/load-project.js";

/**
 * `hogsend broadcasts …`: the admin API's broadcast operations straight on the database (like `contacts import`),
 * audited as the CLI. Output is one line per broadcast, or JSON with --json. Options are checked before the
 * project and the database are opened, so a typo fails fast and touches nothing.
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

const invalid = (message: string) => new HogsendError(ErrorCodes.VALIDATION_FAILED, message);

function checkId(id: string): string {
  if (!isUuid(id)) throw invalid(`"${id}" is not a broadcast id (a UUID)`);
  return id;
}

/** A whole number in min..max, or the default when the option is absent; anything else is refused. */
function intOption(name: string, value: string | undefined, min: number, max: number, fallback?: number) {
  if (value === undefined && fallback !== undefined) return fallback;
  const n = value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalid(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`${what} is not valid JSON (${(error as Error).message})`);
  }
}

/** `hogsend broadcasts list [--status S] [--limit N] [--json]` */
export async function listBroadcastsCommand(
  config: Config,
  options: Common & { status?: string; limit?: string },
): Promise<void> {
  const status = options.status;
  if (status !== undefined && !(BROADCAST_STATUSES as readonly string[]).includes(status)) {
    throw invalid(`--status must be one of ${BROADCAST_STATUSES.join(", ")} (got "${status}")`);
  }
  const limit = intOption("--limit", options.limit, 1, 200, 50);
  await withApp(config, options, async (app) => {
    const page = await listBroadcastsWithStats(app.db, {
      status: status as BroadcastStatus | undefined,
      limit,
    });
    if (options.json) process.stdout.write(`${JSON.stringify(page.broadcasts)}\n`);
    else if (page.broadcasts.length === 0)
      process.stdout.write(
        status === undefined
          ? "No broadcasts yet: `hogsend broadcasts create`\n"
          : `No ${status} broadcasts\n`,
      );
    else for (const b of page.broadcasts) print(b, false);
  });
}

const DEFINITION_OPTIONS = ["name", "template", "subject", "category", "props", "audience", "rate"] as const;

/**
 * `hogsend broadcasts create --file broadcast.json` (or `--name --template --audience JSON …`): a draft, checked
 * against the project's templates as the API checks it.
 */
export async function createBroadcastCommand(
  config: Config,
  options: Common & { file?: string } & Partial<Record<(typeof DEFINITION_OPTIONS)[number], string>>,
): Promise<void> {
  let input: unknown;
  if (options.file !== undefined) {
    const mixed = DEFINITION_OPTIONS.filter((option) => options[option] !== undefined);
    if (mixed.length > 0) {
      throw invalid(
        `--file holds the whole broadcast: leave out ${mixed.map((option) => `--${option}`).join(", ")}`,
      );
    }
    let text: string;
    try {
      text = await readFile(options.file, "utf8");
    } catch (error) {
      throw invalid(`Cannot read ${options.file}: ${(error as Error).message}`);
    }
    input = parseJson(options.file, text);
  } else {
    input = {
      name: options.name,
      template: options.template,
      ...(options.subject === undefined ? {} : { subject: options.subject }),
      ...(options.category === undefined ? {} : { category: options.category }),
      ...(options.props === undefined ? {} : { props: parseJson("--props", options.props) }),
      audience:
        options.audience === undefined ? { conditions: [] } : parseJson("--audience", options.audience),
      ...(options.rate === undefined
        ? {}
        : { ratePerSecond: intOption("--rate", options.rate, 1, MAX_BROADCAST_RATE) }),
    };
  }
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
  checkId(id);
  const sample = intOption("--sample", options.sample, 0, 100, 10);
  await withApp(config, options, async (app) => {
    const preview = await previewBroadcast(app.db, id, app.clock.now(), sample);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(preview)}\n`);
      return;
    }
    process.stdout.write(`${preview.count} contact(s) in the audience now\n`);
    for (const s of preview.sample) process.stdout.write(`  ${s.userId}  ${s.email}\n`);
  });
}

/** `hogsend broadcasts send ID [--at ISO]`: now, or scheduled for a time (one in the past means now). */
export async function sendBroadcastCommand(
  config: Config,
  id: string,
  options: Common & { at?: string },
): Promise<void> {
  checkId(id);
  let at: Date | undefined;
  if (options.at !== undefined) {
    // The API's rule: an ISO 8601 date-time with its offset (a bare local time would depend on this machine's zone).
    const parsed = storableTimestamp().safeParse(options.at);
    if (!parsed.success) {
      throw invalid(
        `--at must be an ISO 8601 date-time with an offset, e.g. 2030-01-31T09:00:00Z (got "${options.at}")`,
      );
    }
    at = parsed.data;
  }
  await withApp(config, options, async (app) => {
    const now = app.clock.now();
    const scheduled = await scheduleBroadcast(
      app.db,
      id,
      at === undefined || at < now ? now : at,
      CLI_AUDIT_CONTEXT,
      at === undefined ? "broadcast.send_requested" : "broadcast.scheduled",
    );
    print(scheduled, options.json);
  });
}

/** `hogsend broadcasts cancel ID` */
export async function cancelBroadcastCommand(config: Config, id: string, options: Common): Promise<void> {
  checkId(id);
  await withApp(config, options, async (app) => {
    const cancelled = await cancelBroadcast(app.db, id, app.clock.now(), CLI_AUDIT_CONTEXT);
    if (options.json) print(cancelled, true);
    else
      process.stdout.write(
        `${line(cancelled)}\n${cancelled.unqueued} queued message(s) taken out of the outbox\n`,
      );
  });
}
