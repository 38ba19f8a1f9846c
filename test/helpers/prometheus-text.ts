import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Where the pretest hook builds promtool (scripts/ensure-test-tools.mjs, same path), unless PROMTOOL_PATH says. */
export const PROMTOOL =
  process.env.PROMTOOL_PATH ??
  path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"),
    "hogsend-tools",
    "promtool@v0.316.0",
    "promtool",
  );
export const HAS_PROMTOOL = existsSync(PROMTOOL);

/** `promtool check metrics` over an exposition: its exit code and what it printed (lint findings). */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL, ["check", "metrics"], {
    input: text,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
}

export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

/**
 * A strict parse of the Prometheus text format (0.0.4): every line is a `# HELP`, a `# TYPE` before its family's
 * samples, or a sample of the family just declared (with a histogram's `_bucket`/`_sum`/`_count`), with well-formed
 * labels and a number. Anything else throws, naming the line.
 */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const help = new Map<string, string>();
  let current: MetricFamily | undefined;
  for (const [index, line] of text.split("\n").entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line === "") continue;
    if (line.startsWith("# HELP ")) {
      const [, name, ...rest] = line.slice(2).split(" ");
      if (!name || !NAME.test(name)) throw new Error(`bad HELP name, ${where}`);
      help.set(name, rest.join(" "));
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, name, type] = line.slice(2).split(" ");
      if (!name || !NAME.test(name) || !type) throw new Error(`bad TYPE, ${where}`);
      if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(type)) {
        throw new Error(`unknown type ${type}, ${where}`);
      }
      if (families.has(name)) throw new Error(`family declared twice, ${where}`);
      current = { name, type, help: help.get(name) ?? "", samples: [] };
      families.set(name, current);
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample, ${where}`);
    const [, sampleName = "", labelText = "", valueText = ""] = match;
    if (!current) throw new Error(`sample before any TYPE, ${where}`);
    const suffix = sampleName.slice(current.name.length);
    const allowed = SUFFIXES[current.type] ?? [""];
    if (!sampleName.startsWith(current.name) || !allowed.includes(suffix)) {
      throw new Error(`sample outside its family ${current.name}, ${where}`);
    }
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const label = LABEL.exec(labelText);
      if (!label) throw new Error(`bad labels, ${where}`);
      labels[label[1] ?? ""] = label[2] ?? "";
    }
    // Values are Go's ParseFloat syntax: numbers, and NaN / +Inf / -Inf in any case (prom-client writes "Nan").
    const special = /^nan$/i.test(valueText)
      ? Number.NaN
      : /^[+-]?inf(inity)?$/i.test(valueText)
        ? (valueText.startsWith("-") ? -1 : 1) * Number.POSITIVE_INFINITY
        : undefined;
    const value = special ?? Number(valueText);
    if (
      valueText === "" ||
      (special === undefined && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(valueText))
    ) {
      throw new Error(`bad value, ${where}`);
    }
    current.samples.push({ name: sampleName, labels, value });
  }
  return families;
}
