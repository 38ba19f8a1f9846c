// `npm run chaos [-- --restarts N --kills M --terminations T --long-outage-seconds S --users U]`: the chaos run of
// test/chaos/chaos-run.ts at full size, with its accounting printed. Exits 1 when anything was lost, duplicated or
// crashed. Bounded: at most --deadline-minutes (default 20) in all.
// `--topology AxW` (e.g. 2x3) runs A api and W worker processes, and `--process-kills R` (default 1 with a
// topology) SIGKILLs every one of them in turn, R rounds, restarting each.
import { parseArgs } from "node:util";
import { CHAOS_DEFAULTS, percentile, runChaos } from "../test/chaos/chaos-run.js";

const { values } = parseArgs({
  options: {
    restarts: { type: "string" },
    kills: { type: "string" },
    terminations: { type: "string" },
    "long-outage-seconds": { type: "string" },
    users: { type: "string" },
    "deadline-minutes": { type: "string" },
    topology: { type: "string" },
    "process-kills": { type: "string" },
  },
});
const int = (value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got ${value}`);
  return n;
};

const topology = values.topology === undefined ? undefined : /^(\d+)x(\d+)$/.exec(values.topology);
if (values.topology !== undefined && !topology)
  throw new Error(`--topology is APIxWORKERS, e.g. 2x3; got ${values.topology}`);
const options = {
  ...CHAOS_DEFAULTS,
  restarts: int(values.restarts, CHAOS_DEFAULTS.restarts),
  kills: int(values.kills, CHAOS_DEFAULTS.kills),
  terminations: int(values.terminations, CHAOS_DEFAULTS.terminations),
  longOutageMs: int(values["long-outage-seconds"], CHAOS_DEFAULTS.longOutageMs / 1000) * 1000,
  users: int(values.users, CHAOS_DEFAULTS.users),
  deadlineMs: int(values["deadline-minutes"], CHAOS_DEFAULTS.deadlineMs / 60_000) * 60_000,
  ...(topology ? { apis: Number(topology[1]), workers: Number(topology[2]) } : {}),
  processKills: int(values["process-kills"], topology ? 1 : 0),
  log: (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
};
const r = await runChaos(options);
const ms = (values: number[]) => `p50 ${percentile(values, 50)} ms, max ${Math.max(0, ...values)} ms`;
const lines = [
  "",
  `chaos: ${(r.durationMs / 1000).toFixed(0)} s — ${r.disruptions.restarts} Postgres restarts, ${r.disruptions.longOutages} failover(s) of ${options.longOutageMs / 1000} s, ${r.disruptions.terminations} backend terminations, ${r.disruptions.kills} worker SIGKILLs, ${r.disruptions.processKills} process SIGKILLs (${options.apis ?? 1} api × ${options.workers ?? 2} workers)`,
  `  processes crashed        api ${r.crashes.api}, workers ${r.crashes.worker}`,
  `  recovery (ingest 202)    ${ms(r.recoveryMs.ingest)}`,
  `  recovery (event routed)  ${ms(r.recoveryMs.routing)}`,
  `  events                   ${r.events.acknowledged} acknowledged, ${r.events.stored} stored, ${r.events.stored - r.events.distinct} duplicated, ${r.events.queuedLeft} unrouted`,
  `  routing                  ${r.routing.enrollmentSkips} enrollment skips (double routing), ${r.routing.deadLetters} dead letters`,
  `  runs                     ${r.runs.completed}/${r.runs.expected} completed, ${r.runs.other} other, ${r.runs.completedEvents} journey:completed events`,
  `  effects                  ${r.effects.rows} rows, ${r.effects.distinct} distinct (expected ${r.effects.expected})`,
  `  emails                   ${r.emails.sent}/${r.emails.expected} sent; provider accepted ${r.emails.providerAccepted}, ${r.emails.providerDuplicateContents} duplicate contents, ${r.emails.providerRetriedKeys} keys retried`,
  `  webhooks                 ${r.webhooks.acknowledged} acknowledged, ${r.webhooks.receipts} receipts`,
  `  contact import           ${r.imports.found}/${r.imports.rows} contacts`,
  `  logs                     ${r.logs.outagesLogged} outage lines, ${r.logs.recoveriesLogged} recovery lines`,
  r.problems.length === 0
    ? "  RESULT: clean"
    : `  RESULT: ${r.problems.length} problem(s)\n    - ${r.problems.join("\n    - ")}`,
  "",
];
if (process.env.CHAOS_SHOW_LOGS) lines.push(...r.logs.lines);
process.stdout.write(lines.join("\n"));
process.exit(r.problems.length === 0 ? 0 : 1);
