/**
 * A small Dockerfile reader for tests that run an image's install and start lines without Docker: stages,
 * instructions (continuation lines joined, comments dropped), RUN flags split off, exec forms parsed.
 */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV, ENTRYPOINT, … */
  keyword: string;
  /** Leading `--flag=value` options (RUN --mount=…, COPY --from=…, HEALTHCHECK --interval=…). */
  flags: Record<string, string>;
  /** The rest of the instruction, flags removed. */
  args: string;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = "";
  const lines = text.split("\n");
  const logical: string[] = [];
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (pending === "" && /^\s*#/.test(line)) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line.trim()).trim();
    pending = "";
    if (full !== "") logical.push(full);
  }
  for (const line of logical) {
    const [, keyword = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const { flags, args } = splitFlags(rest);
    const instruction = { keyword: keyword.toUpperCase(), flags, args };
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${instruction.keyword} before the first FROM`);
    stage.instructions.push(instruction);
  }
  return stages;
}

function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(args);
    if (!match?.[1]) return { flags, args };
    flags[match[1]] = match[2] ?? "";
    args = args.slice(match[0].length);
  }
}

/** `["a", "b"]` (exec form) → ["a", "b"]; refuses the shell form, whose meaning depends on /bin/sh. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === "string")) {
    throw new Error(`not an exec form: ${args}`);
  }
  return parsed;
}

/** `ENV A=1 B="two words"` → { A: "1", B: "two words" } (the key=value form only). */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const [, key = "", value = ""] = match;
    env[key] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return env;
}
