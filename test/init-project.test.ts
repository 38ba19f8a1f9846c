import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_API_KEY } from "../src/config.js";
import { CLI, freePort, waitForHealthy } from "./helpers/run-cli.js";

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

let tmp: string | undefined;
let dev: ChildProcess | undefined;

afterAll(async () => {
  if (tmp) {
    // The harness's shared Postgres (left running on purpose between test runs) was started in our TMPDIR.
    const pidFile = path.join(
      tmp,
      "tmp",
      `hogsend-harness-${process.getuid?.() ?? 0}`,
      "data",
      "postmaster.pid",
    );
    const pid = Number.parseInt((await readFile(pidFile, "utf8").catch(() => "")).split("\n")[0] ?? "", 10);
    if (pid > 0) {
      try {
        process.kill(pid, "SIGINT");
      } catch {}
    }
  }
  if (dev && dev.exitCode === null) {
    dev.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    if (dev.exitCode === null) dev.kill("SIGKILL");
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Only what a user's shell would have: no test settings leak into the project's own commands. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
    ...extra,
  };
}

async function run(cmd: string, args: string[], cwd: string, env = userEnv()) {
  try {
    return await exec(cmd, args, { cwd, env, maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}\n${e.stderr ?? ""}\n${e.message}`,
    );
  }
}

describe("hogsend init: a project of the user's own, from the packed package", () => {
  it("init refuses a folder that is not empty", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "hogsend-init-busy-"));
    try {
      await writeFile(path.join(dir, "notes.txt"), "mine");
      const result = await exec(process.execPath, [CLI, "init", dir], { env: userEnv() }).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("is not empty (notes.txt)");
      expect(await readdir(dir)).toEqual(["notes.txt"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("npm pack, init, install the tarball; its test passes and its dev server sends its own template", async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-init-"));
    // As root, the embedded Postgres runs as the postgres user, which must reach the project's node_modules.
    await chmod(tmp, 0o755);
    const { stdout: packed } = await run(NPM, ["pack", "--silent", "--pack-destination", tmp], ROOT);
    const tarball = path.join(tmp, packed.trim().split("\n").pop() ?? "");
    const app = path.join(tmp, "acme-app");
    await mkdir(app);
    const init = await run(process.execPath, [CLI, "init", app], tmp);
    expect(init.stdout).toContain("hogsend.config.ts");
    expect((await readdir(app)).sort()).toEqual(
      [
        ".dockerignore",
        ".env.example",
        ".gitignore",
        "Dockerfile",
        "README.md",
        "emails",
        "hogsend.config.ts",
        "journeys",
        "package.json",
        "tsconfig.json",
        "vitest.config.ts",
      ].sort(),
    );

    await run(NPM, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], app);
    // Its own test: tsc (templates typed through Register) and the harness on an embedded Postgres, twice (a
    // rerun on the same machine reuses the cluster and passes).
    // Its harness keeps its shared Postgres under the OS temp dir: point that into this test's folder.
    await mkdir(path.join(tmp, "tmp"));
    const testEnv = userEnv({ TMPDIR: path.join(tmp, "tmp") });
    await run(NPM, ["test"], app, testEnv);
    await run(NPM, ["test"], app, testEnv);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    dev = spawn(path.join(app, "node_modules", ".bin", "hogsend"), ["dev"], {
      cwd: app,
      env: userEnv({
        PORT: String(port),
        HOGSEND_EMBEDDED_PG_PORT: String(await freePort()),
        LOG_LEVEL: "warn",
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    dev.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    dev.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    await waitForHealthy(`${base}/v1/health`, 120_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });
    const headers = { Authorization: `Bearer ${DEV_API_KEY}`, "content-type": "application/json" };
    const ingested = await fetch(`${base}/v1/ingest`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        event: "user.created",
        userId: "u1",
        userEmail: "ada@example.com",
        properties: { $set: { firstName: "Ada" } },
      }),
    });
    expect(ingested.status).toBe(202);
    let mail: Array<{ to: string; subject: string; html: string; text: string }> = [];
    for (let i = 0; i < 300 && mail.length === 0; i++) {
      const res = await fetch(`${base}/v1/admin/mailbox?to=ada@example.com`, { headers });
      mail = ((await res.json()) as { data: typeof mail }).data;
      if (mail.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(mail, output).toHaveLength(1);
    // The user's own template (emails/welcome.tsx), its default prop (the project name) and the contact's firstName.
    expect(mail[0]?.subject).toBe("Welcome to acme-app");
    expect(mail[0]?.text).toContain("Hi Ada,");
    expect(mail[0]?.text).toContain("Thanks for signing up with ada@example.com");

    dev.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => dev?.once("exit", resolve));
    expect(code).toBe(0);
  }, 300_000);
});
