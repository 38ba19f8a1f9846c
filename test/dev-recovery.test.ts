import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DEV_API_KEY } from "../src/config.js";
import { freePort, type LongRunning, runCli, startCli, waitForHealthy } from "./helpers/run-cli.js";

// These tests start real `hogsend` processes (tsx compile, embedded Postgres); on a loaded 2-core CI machine
// that takes far longer than an in-process test, so they get more time than the suite default.
vi.setConfig({ testTimeout: 120_000 });

const started: LongRunning[] = [];
let dataDir: string | undefined;

afterAll(async () => {
  for (const run of started) if (run.child.exitCode === null) run.child.kill("SIGKILL");
  if (dataDir) {
    // Stop a postmaster a failed assertion may have left behind, then remove the cluster.
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
});

describe("hogsend dev", () => {
  it("serves healthy with no environment, survives SIGKILL with its data, and shuts down cleanly", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "hogsend-dev-"));
    await chmod(dataDir, 0o755);
    const port = await freePort();
    const env = {
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      PORT: String(port),
      HOGSEND_DATA_DIR: dataDir,
      HOGSEND_EMBEDDED_PG_PORT: String(await freePort()),
    };
    const base = `http://127.0.0.1:${port}`;
    const admin = { Authorization: `Bearer ${DEV_API_KEY}` };

    const first = startCli(["dev"], env);
    started.push(first);
    expect((await waitForHealthy(`${base}/v1/health`, 60_000)).status).toBe("healthy");
    expect(first.output()).toContain("Hogsend dev is running");
    expect(first.output()).toContain(DEV_API_KEY);

    const created = await fetch(`${base}/v1/admin/api-keys`, {
      method: "POST",
      headers: { ...admin, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "survives-kill", scope: "ingest" }),
    });
    expect(created.status).toBe(201);

    first.child.kill("SIGKILL");
    await first.exited;
    // The orphaned postmaster is still running and its pid file is left behind: the situation to recover from.
    expect(existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(true);

    const second = startCli(["dev"], env);
    started.push(second);
    expect((await waitForHealthy(`${base}/v1/health`, 60_000)).status).toBe("healthy");
    const keys = await fetch(`${base}/v1/admin/api-keys`, { headers: admin });
    const names = ((await keys.json()) as { data: Array<{ name: string }> }).data.map((k) => k.name);
    expect(names).toContain("survives-kill");

    // A second command on the same data directory while dev runs shares its cluster instead of stopping it.
    const listed = await runCli(["keys", "list"], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain("survives-kill");
    expect((await waitForHealthy(`${base}/v1/health`, 5_000)).status).toBe("healthy");

    second.child.kill("SIGTERM");
    const exit = await second.exited;
    expect(exit.code, second.output()).toBe(0);
    // A clean stop shuts the cluster down: no postmaster left holding the data directory.
    expect(existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
  });
});
