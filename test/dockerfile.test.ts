import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ENV_VARIABLES } from "../src/config.js";
import { execForm, type Instruction, parseDockerfile, parseEnv, type Stage } from "./helpers/dockerfile.js";
import { freePort, waitForHealthy } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * No Docker engine runs here, so this runs the image's recipe by hand: `npm pack` this repository (what the
 * build stage does), then the runtime stage of the Dockerfile instruction by instruction on the unpacked package
 * — its COPYs, its RUN lines as written (the `npm ci --omit=dev`), its ENV, its ENTRYPOINT and CMD — and the
 * docker-compose.yml services' commands and environment, against a real Postgres. Container paths under the
 * runtime WORKDIR map to a temp folder; that and DATABASE_URL/PORT are the only liberties taken.
 */

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const stages = parseDockerfile(await readFile(path.join(ROOT, "Dockerfile"), "utf8"));
const compose = parseYaml(await readFile(path.join(ROOT, "deploy", "docker-compose.yml"), "utf8"), {
  merge: true,
}) as {
  services: Record<string, ComposeService>;
};
const RUN_MODES = ["api", "worker", "migrate"] as const;

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  healthcheck?: { disable?: boolean; test?: unknown };
  depends_on?: Record<string, { condition: string }>;
}

const runtime = stages.at(-1) as Stage;
const find = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string): Instruction => {
  const found = find(stage, keyword).at(-1);
  if (!found) throw new Error(`the runtime stage has no ${keyword}`);
  return found;
};

// What a user would put in `.env` for `docker compose up`: the values the compose file requires.
const SHELL_ENV: Record<string, string> = {
  BETTER_AUTH_SECRET: "dockerfile-test-secret-0123456789abcdef",
  EMAIL_PROVIDER: "smtp",
  SMTP_URL: "smtp://127.0.0.1:2525",
  EMAIL_FROM: "hogsend@example.com",
  REDIS_URL: "redis://127.0.0.1:6379",
};

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` and `${VAR?error}`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (_, name, colon, op, word) => {
      const set = env[name] !== undefined && (colon !== ":" || env[name] !== "");
      if (set) return env[name] as string;
      if (op === "?") throw new Error(`compose needs ${name}: ${word}`);
      return op === "-" ? word : "";
    },
  );
}

describe("Dockerfile and deploy/docker-compose.yml", () => {
  it("build on the Node 20 Debian slim image and run the packed package as a non-root user", () => {
    for (const stage of stages) expect(stage.image).toBe("node:20-bookworm-slim");
    expect(find(stages[0] as Stage, "RUN").some((r) => /\bnpm pack\b/.test(r.args))).toBe(true);
    expect(last(runtime, "USER").args).not.toMatch(/^(root|0)(:|$)/);
    expect(find(runtime, "RUN").map((r) => r.args)).toContainEqual(
      expect.stringMatching(/^npm ci --omit=dev\b/),
    );
    expect(execForm(last(runtime, "ENTRYPOINT").args)).toEqual(["hogsend"]);
    expect(execForm(last(runtime, "CMD").args)).toEqual(["api"]);
    const healthcheck = last(runtime, "HEALTHCHECK").args;
    expect(healthcheck).toMatch(/^CMD \[/);
    expect(healthcheck).toContain("/v1/health");
  });

  it("compose: postgres, a one-shot migrate that api and worker wait for, api and worker from this image", () => {
    const { postgres, migrate, api, worker } = compose.services;
    expect(Object.keys(compose.services).sort()).toEqual(["api", "migrate", "postgres", "worker"]);
    expect(postgres?.healthcheck?.test).toBeDefined();
    expect(migrate?.depends_on?.postgres?.condition).toBe("service_healthy");
    for (const service of [api, worker]) {
      expect(service?.depends_on?.migrate?.condition).toBe("service_completed_successfully");
    }
    for (const [mode, service] of [
      ["migrate", migrate],
      ["api", api],
      ["worker", worker],
    ] as const) {
      expect(service?.build, mode).toBe("..");
      expect(service?.command, mode).toEqual([mode]);
      expect(RUN_MODES).toContain(service?.command?.[0]);
      // Every variable handed to a Hogsend container is one the config schema reads (no typos, no leftovers).
      const unknown = Object.keys(service?.environment ?? {}).filter((name) => !ENV_VARIABLES.includes(name));
      expect(unknown, mode).toEqual([]);
      expect(service?.environment?.NODE_ENV, mode).toBe("production");
    }
    // Only the api serves HTTP: the image's HEALTHCHECK is off for the others.
    expect(migrate?.healthcheck?.disable).toBe(true);
    expect(worker?.healthcheck?.disable).toBe(true);
  });

  describe("the runtime stage run by hand on `npm pack` output", () => {
    let dir: string;
    let app: string;
    let shims: string;
    let database: TestDatabase;
    const imageEnv: Record<string, string> = {};
    const children = new Set<ChildProcess>();
    let workdir = "/";

    /** A container path (the image's WORKDIR and below) → its place in the temp folder. */
    const host = (containerPath: string): string => {
      const absolute = path.posix.resolve(workdir, containerPath);
      const relative = path.posix.relative(workdir, absolute);
      if (relative.startsWith("..")) throw new Error(`${containerPath} is outside the image's WORKDIR`);
      return path.join(app, relative);
    };

    const baseEnv = (): NodeJS.ProcessEnv => ({
      PATH: [shims, path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
      HOME: process.env.HOME,
    });

    /** The environment compose gives a service, with container paths mapped and the test's Postgres and port. */
    const serviceEnv = (name: string, port: number): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = { ...baseEnv(), ...imageEnv };
      for (const [key, value] of Object.entries(compose.services[name]?.environment ?? {})) {
        const text = interpolate(String(value ?? ""), SHELL_ENV);
        env[key] = text.startsWith(`${workdir}/`) ? host(text) : text;
      }
      // Each container has its own network; on one host here, the metrics port is any free one.
      const metrics = env.HOGSEND_METRICS_PORT ? { HOGSEND_METRICS_PORT: "0" } : {};
      return { ...env, ...metrics, DATABASE_URL: database.url, PORT: String(port) };
    };

    /** `docker run IMAGE [command]`: the ENTRYPOINT, then the command or the image's CMD. */
    const run = (command: string[] | undefined, env: NodeJS.ProcessEnv) => {
      const [entry = "", ...entryArgs] = execForm(last(runtime, "ENTRYPOINT").args);
      const args = [...entryArgs, ...(command ?? execForm(last(runtime, "CMD").args))];
      const child = spawn(entry, args, { cwd: app, env });
      children.add(child);
      let output = "";
      child.stdout.on("data", (chunk) => {
        output += chunk;
      });
      child.stderr.on("data", (chunk) => {
        output += chunk;
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on("close", (code) => {
          children.delete(child);
          resolve(code);
        }),
      );
      return { child, exited, output: () => output };
    };

    const waitFor = async (output: () => string, text: string, ms: number) => {
      const deadline = Date.now() + ms;
      while (!output().includes(text)) {
        if (Date.now() > deadline) throw new Error(`no "${text}" within ${ms} ms:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "hogsend-dockerfile-"));
      app = path.join(dir, "app");
      shims = path.join(dir, "usr-local-bin");
      await mkdir(app);
      await mkdir(shims);
      database = await createTestDatabase({ migrated: false });

      // The build stage: `npm pack` (its prepack builds dist/), unpacked as the runtime stage's COPY --from takes it.
      const { stdout } = await exec("npm", ["pack", "--pack-destination", dir, "--silent"], {
        cwd: ROOT,
        env: baseEnv(),
        maxBuffer: 16 * 1024 * 1024,
      });
      const tarball = path.join(dir, stdout.trim().split("\n").at(-1) ?? "");
      const unpacked = path.join(dir, "package");
      await mkdir(unpacked);
      await exec("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"]);

      // The runtime stage, instruction by instruction.
      for (const instruction of runtime.instructions) {
        const { keyword, flags, args } = instruction;
        if (keyword === "ENV") Object.assign(imageEnv, parseEnv(args));
        else if (keyword === "WORKDIR") workdir = path.posix.resolve(workdir, args);
        else if (keyword === "COPY") {
          const [source = "", target = ""] = args.split(/\s+/);
          if (flags.from === "build") {
            expect(source).toBe("/package/");
            await cp(unpacked, host(target), { recursive: true });
          } else {
            expect(flags.from).toBeUndefined();
            await copyFile(path.join(ROOT, source), path.join(host(target), path.basename(source)));
          }
        } else if (keyword === "RUN") {
          const link = /^ln -s (\S+) \/usr\/local\/bin\/(\S+)$/.exec(args);
          if (link?.[1] && link[2]) await symlink(host(link[1]), path.join(shims, link[2]));
          else await exec("sh", ["-c", args], { cwd: app, env: baseEnv(), maxBuffer: 16 * 1024 * 1024 });
        } else if (!["USER", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"].includes(keyword)) {
          throw new Error(`the test does not know how to run ${keyword} ${args}`);
        }
      }
      // compose mounts volumes into the container: copies (not symlinks), so they resolve inside the image.
      for (const volume of compose.services.worker?.volumes ?? []) {
        const [source = "", target = ""] = volume.split(":");
        if (source.startsWith("."))
          await cp(path.join(ROOT, "deploy", source), host(target), { recursive: true });
      }
    }, 120_000); // with the two tests below: 240 s in all; about 40 s on a quiet 2-core machine

    afterAll(async () => {
      for (const child of children) child.kill("SIGKILL");
      await database?.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("migrate exits 0, api answers /v1/health and its HEALTHCHECK, worker loads the TypeScript journeys and drains on SIGTERM", async () => {
      const port = await freePort();
      // No sources, no compiler, no tsx for Hogsend itself: the package runs from dist/.
      const pkg = JSON.parse(await readFile(path.join(app, "package.json"), "utf8"));
      expect(pkg.bin.hogsend).toMatch(/^\.\/dist\/.*\.js$/);
      await expect(exec("ls", [path.join(app, "src")])).rejects.toThrow();
      // (typescript itself is in node_modules since better-auth 1.7 declares it, vue, vite and vitest as optional
      // peers, which npm keeps in an --omit=dev install; Hogsend's bin and exports still load only dist/.)

      const migrate = run(compose.services.migrate?.command, serviceEnv("migrate", port));
      expect(await migrate.exited, migrate.output()).toBe(0);
      expect(migrate.output()).toMatch(/Applied \d+ migration\(s\)/);

      // `docker run IMAGE`: the default CMD is the api.
      expect(compose.services.api?.command).toEqual(execForm(last(runtime, "CMD").args));
      const api = run(undefined, serviceEnv("api", port));
      const health = await waitForHealthy(`http://127.0.0.1:${port}/v1/health`, 30_000);
      expect(health.status).toBe("healthy");
      // The API reference ships as one built file: no @scalar/api-reference (or its Vue and TypeScript) installed.
      const docs = await fetch(`http://127.0.0.1:${port}/docs/scalar.js`);
      expect(docs.status).toBe(200);
      expect((await docs.text()).length).toBeGreaterThan(100_000);
      await expect(exec("ls", [path.join(app, "node_modules", "@scalar")])).rejects.toThrow();
      // Studio ships built (dist/studio): its shell, a deep link and a hashed asset, with none of its build tools.
      const studio = await fetch(`http://127.0.0.1:${port}/studio/journeys/welcome`);
      expect(studio.status).toBe(200);
      const shell = await studio.text();
      expect(shell).toContain('<div id="root">');
      const asset = /\/studio\/assets\/[^"]+\.js/.exec(shell)?.[0];
      expect((await fetch(`http://127.0.0.1:${port}${asset}`)).status).toBe(200);
      // (vite itself may be there: better-auth's optional peers bring vitest, which brings it.)
      for (const studioOnly of ["@tanstack", "radix-ui", "@tailwindcss", "@fontsource-variable"]) {
        await expect(exec("ls", [path.join(app, "node_modules", studioOnly)]), studioOnly).rejects.toThrow();
      }
      const [check = "", ...checkArgs] = execForm(last(runtime, "HEALTHCHECK").args.replace(/^CMD\s+/, ""));
      await exec(check, checkArgs, { env: serviceEnv("api", port) }); // throws unless it exits 0

      const worker = run(compose.services.worker?.command, serviceEnv("worker", await freePort()));
      await waitFor(worker.output, "worker running", 30_000);
      // The compose file's journeys are the examples' TypeScript, loaded through tsx's registered loader.
      expect(worker.output()).toContain("checkout-recovery");
      worker.child.kill("SIGTERM");
      expect(await worker.exited, worker.output()).toBe(0);
      expect(worker.output()).toContain("worker draining");
      // Production logs are JSON lines (no pretty-printing, no colours).
      expect(worker.output()).not.toContain("\x1b[");

      api.child.kill("SIGTERM");
      expect(await api.exited, api.output()).toBe(0);
    }, 60_000);

    // On the database the test above migrated.
    it("every other command runs from the build too (docker run IMAGE keys|contacts|templates|dev|--help)", async () => {
      const env = serviceEnv("api", await freePort());
      const runToEnd = async (command: string[], options: { env?: NodeJS.ProcessEnv } = {}) => {
        const started = run(command, options.env ?? env);
        const code = await started.exited;
        expect(code, `hogsend ${command.join(" ")}: ${started.output()}`).toBe(0);
        return started.output();
      };
      const help = await runToEnd(["--help"]);
      for (const command of ["migrate", "api", "worker", "dev", "keys", "contacts", "templates"]) {
        expect(help).toContain(command);
      }
      expect(await runToEnd(["keys", "create", "--name", "from-image", "--scope", "admin"])).toMatch(
        /hs_admin_/,
      );
      expect(await runToEnd(["keys", "list"])).toContain("from-image");
      expect(await runToEnd(["templates", "list"])).toContain("activation/welcome");
      await runToEnd(["contacts", "export"]);
      // dev (development mode, pretty logs) with its default journeys: the examples, where compose mounts them.
      const dev = run(["dev"], { ...env, NODE_ENV: "development" });
      await waitFor(dev.output, "Hogsend dev is running", 30_000);
      dev.child.kill("SIGTERM");
      expect(await dev.exited, dev.output()).toBe(0);
    }, 60_000);
  });
});
