import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DEV_API_KEY } from "../src/config.js";
import { freePort, type LongRunning, startCli, waitForHealthy } from "./helpers/run-cli.js";

vi.setConfig({ testTimeout: 180_000 });

// The project lives inside this repository (under the ignored .hogsend/) so `import "hogsend"` resolves to it.
const PROJECTS = fileURLToPath(new URL("../.hogsend/", import.meta.url));
let project: string | undefined;
let dataDir: string | undefined;
let dev: LongRunning | undefined;

afterAll(async () => {
  if (dev?.child.exitCode === null) dev.child.kill("SIGKILL");
  if (dataDir) {
    const pidFile = path.join(dataDir, "postgres", "postmaster.pid");
    const pid = existsSync(pidFile)
      ? Number.parseInt((await readFile(pidFile, "utf8")).split("\n")[0] ?? "", 10)
      : 0;
    if (pid > 0) {
      try {
        process.kill(pid, "SIGQUIT");
      } catch {}
    }
    await rm(dataDir, { recursive: true, force: true });
  }
  if (project) await rm(project, { recursive: true, force: true });
});

const template = (version: string) => `import { defineTemplate } from "hogsend/email";
import { createElement } from "react";
import { z } from "zod";

export const hello = defineTemplate({
  key: "hello",
  category: "product",
  description: "${version}",
  subject: "${version} hello",
  props: z.object({}),
  component: () => createElement("p", null, "hello ${version}"),
});
`;

const journey = (options: {
  afterNap: string;
  inserted?: boolean;
}) => `import { defineJourney, seconds } from "hogsend";
import { sendEmail } from "hogsend/email";

export const greet = defineJourney({
  meta: {
    id: "greet",
    name: "Greet",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "unlimited",
    suppress: seconds(0),
  },
  run: async (user, ctx) => {
    await sendEmail({ to: user.email, userId: user.id, template: "hello" });
    ${options.inserted ? 'await ctx.checkpoint("inserted");' : ""}
    await ctx.sleep({ duration: seconds(4), label: "nap" });
    await sendEmail({ to: user.email, userId: user.id, template: "hello", subject: "${options.afterNap}" });
  },
});
`;

const CONFIG = `import { defineConfig } from "hogsend";
import { hello } from "./emails/hello.js";
import { greet } from "./journeys/greet.js";

export default defineConfig({ journeys: [greet], templates: [hello] });
`;

describe("hogsend dev reloads journeys and templates", () => {
  it("serves the new template after a save; sleeping runs replay the new code; a breaking change fails them, not dev", async () => {
    await mkdir(PROJECTS, { recursive: true });
    project = await mkdtemp(path.join(PROJECTS, "dev-reload-"));
    await mkdir(path.join(project, "emails"));
    await mkdir(path.join(project, "journeys"));
    await writeFile(path.join(project, "hogsend.config.ts"), CONFIG);
    await writeFile(path.join(project, "emails", "hello.ts"), template("v1"));
    await writeFile(path.join(project, "journeys", "greet.ts"), journey({ afterNap: "after nap v1" }));

    dataDir = await mkdtemp(path.join(os.tmpdir(), "hogsend-dev-reload-"));
    await chmod(dataDir, 0o755);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    dev = startCli(["dev", "--config", path.join(project, "hogsend.config.ts")], {
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      PORT: String(port),
      HOGSEND_DATA_DIR: dataDir,
      HOGSEND_EMBEDDED_PG_PORT: String(await freePort()),
      HOGSEND_POLL_INTERVAL_MS: "200",
    });
    const headers = { Authorization: `Bearer ${DEV_API_KEY}`, "content-type": "application/json" };
    const get = async <T>(url: string): Promise<T> =>
      ((await (await fetch(`${base}${url}`, { headers })).json()) as { data: T }).data;
    const ingest = async (userId: string) => {
      const res = await fetch(`${base}/v1/ingest`, {
        method: "POST",
        headers,
        body: JSON.stringify({ event: "user.created", userId, userEmail: `${userId}@example.com` }),
      });
      expect(res.status).toBe(202);
    };
    const until = async <T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 30_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = await read().catch(() => undefined as T);
        if (value !== undefined && ok(value)) return value;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}\n${dev?.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const subjects = (userId: string) =>
      until(
        `mail to ${userId}`,
        () => get<Array<{ subject: string }>>(`/v1/admin/mailbox?to=${userId}@example.com`),
        (m) => m.length > 0,
      ).then((m) => m.map((x) => x.subject).sort());
    const templateVersion = () =>
      get<Array<{ description: string }>>("/v1/admin/templates").then((t) => t[0]?.description);

    await waitForHealthy(`${base}/v1/health`, 90_000);
    // dev mints a Studio admin and prints its login; the password signs in.
    const printed = () => [
      ...(dev?.output() ?? "").matchAll(/(?:Studio|Login)\s+sign in as admin@hogsend\.local \/ (\S+)/g),
    ];
    const password = printed()[0]?.[1];
    expect(password, dev.output()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const signIn = await fetch(`${base}/v1/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: `http://localhost:${port}` },
      body: JSON.stringify({ email: "admin@hogsend.local", password }),
    });
    expect(signIn.status).toBe(200);
    await ingest("u1");
    expect(await subjects("u1")).toEqual(["v1 hello"]);

    // A safe change (content after the last recorded operation): u1 is asleep in "nap" on the old code.
    await writeFile(path.join(project, "emails", "hello.ts"), template("v2"));
    await writeFile(path.join(project, "journeys", "greet.ts"), journey({ afterNap: "after nap v2" }));
    await until("the reload", templateVersion, (v) => v === "v2", 60_000);
    // The reloaded child prints the same login: the admin is not minted twice, its password is remembered.
    await until(
      "the login printed again",
      async () => printed().map((m) => m[1]),
      (p) => p.length >= 2,
    );
    expect(new Set(printed().map((m) => m[1]))).toEqual(new Set([password]));
    await ingest("u2");
    expect(await subjects("u2")).toEqual(["v2 hello"]);
    await until(
      "u1 to wake on the new code",
      () => subjects("u1"),
      (s) => s.length === 2,
    );
    expect(await subjects("u1")).toEqual(["after nap v2", "v1 hello"]);

    // An unsafe change (an operation inserted before the recorded sleep) while u3 sleeps.
    await ingest("u3");
    expect(await subjects("u3")).toEqual(["v2 hello"]);
    await writeFile(
      path.join(project, "journeys", "greet.ts"),
      journey({ afterNap: "after nap v3", inserted: true }),
    );
    await writeFile(path.join(project, "emails", "hello.ts"), template("v3"));
    await until("the second reload", templateVersion, (v) => v === "v3", 60_000);
    const [failed] = await until(
      "u3's run to fail",
      () => get<Array<{ status: string; error: string | null }>>("/v1/admin/users/u3/journeys"),
      (runs) => runs[0]?.status === "failed",
    );
    expect(failed?.error).toContain("nondeterministic at position 1");
    expect(await subjects("u3")).toEqual(["v2 hello"]);
    // dev itself is fine, and new users get the new code.
    expect((await waitForHealthy(`${base}/v1/health`)).status).toBe("healthy");
    await ingest("u4");
    expect(await subjects("u4")).toEqual(["v3 hello"]);

    // A save that does not load (a syntax error) is reported; dev waits for the next save, which loads again.
    await writeFile(path.join(project, "journeys", "greet.ts"), "export const greet = defineJourney({");
    await until(
      "the broken save to be reported",
      async () => dev?.output() ?? "",
      (o) => o.includes("the project did not start; fix it and save to reload"),
    );
    expect(dev.child.exitCode).toBeNull();
    await writeFile(
      path.join(project, "journeys", "greet.ts"),
      journey({ afterNap: "after nap v3", inserted: true }),
    );
    await waitForHealthy(`${base}/v1/health`, 60_000);
    await ingest("u5");
    expect(await subjects("u5")).toEqual(["v3 hello"]);

    dev.child.kill("SIGTERM");
    expect((await dev.exited).code).toBe(0);
  });
});
