import path from "node:path";
import { pathToFileURL } from "node:url";

const TYPESCRIPT_FILE = /\.(?:[cm]?ts|tsx)$/i;

/**
 * Whether something already compiles TypeScript in this process: true when this very file runs as .ts, i.e.
 * Hogsend itself runs from source (bin/hogsend.mjs registers tsx; Vitest transforms). The compiled package
 * (dist/) runs as .js with no loader until `importModule` registers one.
 */
const RUNNING_FROM_SOURCE = import.meta.url.endsWith(".ts");

// A module loader is process-wide state in Node (module.register), so whether tsx is registered is too.
let tsxRegistration: Promise<void> | undefined;

/**
 * Imports a module the user wrote (their journeys, their config) by path or file URL. Compiled JavaScript is
 * a plain `import()`; a TypeScript file (.ts, .tsx, .mts, .cts) first registers tsx's loader, once per
 * process and only then, so a project that compiles its journeys runs no TypeScript tooling at all.
 */
export async function importModule(modulePath: string): Promise<Record<string, unknown>> {
  const url = modulePath.startsWith("file:") ? modulePath : pathToFileURL(path.resolve(modulePath)).href;
  if (TYPESCRIPT_FILE.test(new URL(url).pathname) && !RUNNING_FROM_SOURCE) {
    tsxRegistration ??= registerTsx();
    await tsxRegistration;
  }
  return (await import(url)) as Record<string, unknown>;
}

async function registerTsx(): Promise<void> {
  let api: { register: () => unknown };
  try {
    api = await import("tsx/esm/api");
  } catch (error) {
    tsxRegistration = undefined;
    throw new Error(
      "loading a TypeScript module needs tsx (npm install tsx), or compile it and point Hogsend at the .js",
      { cause: error },
    );
  }
  api.register();
}
