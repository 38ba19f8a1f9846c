import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ErrorCodes, HogsendError } from "../../errors.js";
import { scaffoldFiles } from "./scaffold-files.js";

const PACKAGE_JSON = new URL("../../../package.json", import.meta.url);
const PINNED = [
  "@react-email/components",
  "react",
  "zod",
  "@types/node",
  "@types/pg",
  "@types/react",
  "typescript",
  "vitest",
];

/**
 * `hogsend init [DIR]`: writes a new project into DIR (default: the working directory), which must be empty or not
 * exist yet; a folder with anything in it is refused, so nothing of the user's is ever overwritten.
 */
export async function initProject(dir: string): Promise<{ dir: string; files: string[] }> {
  const target = path.resolve(dir);
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  if (existing.length > 0) {
    throw new HogsendError(
      ErrorCodes.VALIDATION_FAILED,
      `${target} is not empty (${existing.slice(0, 3).join(", ")}${existing.length > 3 ? ", …" : ""}); ` +
        "hogsend init only writes into an empty folder: pass a new folder, e.g. `hogsend init my-app`",
    );
  }
  const own = JSON.parse(await readFile(PACKAGE_JSON, "utf8")) as {
    version: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const all = { ...own.devDependencies, ...own.dependencies };
  const versions = Object.fromEntries(PINNED.flatMap((name) => (all[name] ? [[name, all[name]]] : [])));
  const name =
    path
      .basename(target)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[._-]+/, "") || "hogsend-app";
  const files = scaffoldFiles({ name, hogsendVersion: own.version, versions });
  for (const [file, content] of Object.entries(files)) {
    const full = path.join(target, file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content, { flag: "wx" });
  }
  return { dir: target, files: Object.keys(files) };
}

/** The CLI action: scaffolds, then says what to run next. */
export async function initCommand(_config: unknown, dir: string | undefined): Promise<void> {
  const { dir: target, files } = await initProject(dir ?? ".");
  const relative = path.relative(process.cwd(), target) || ".";
  process.stdout.write(
    [
      `Created a Hogsend project in ${target}:`,
      ...files.map((f) => `  ${f}`),
      "",
      "Next:",
      ...(relative === "." ? [] : [`  cd ${relative}`]),
      "  npm install",
      "  npx hogsend dev     # sends the welcome email to the dev inbox on user.created",
      "  npm test",
      "",
    ].join("\n"),
  );
}
