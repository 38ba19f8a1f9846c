import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_API_KEY } from "../src/config.js";
import { HATCHET_BIN_DIR, HAVE_HATCHET } from "./helpers/local-hatchet.js";
import { freePort, type LongRunning, startCli, waitForHealthy } from "./helpers/run-cli.js";

// `hogsend dev` with HOGSEND_ENGINE=hatchet and no token starts a local Hatchet (hatchet-lite, built by the pretest
// hook) on its embedded Postgres and runs the example journeys on it: events in, email in the dev inbox, an exit
// mid-sleep.
const run = HAVE_HATCHET || process.env.CI === "true";

let dataDir: string | undefined;
let dev: LongRunning | undefined;
afterAll(async () => {
  if (dev?.child.exitCode === null) {
    const exited = new Promise((resolve) => dev?.child.once("exit", resolve));
    dev.child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
  }
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
});

describe.runIf(run)("hogsend dev on Hatchet", () => {
  it("runs the example journeys end to end on a local Hatchet engine", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "hogsend-dev-hatchet-"));
    await chmod(dataDir, 0o755);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    dev = startCli(["dev"], {
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      PORT: String(port),
      HOGSEND_DATA_DIR: dataDir,
      HOGSEND_EMBEDDED_PG_PORT: String(await freePort()),
      HOGSEND_POLL_INTERVAL_MS: "200",
      HOGSEND_ENGINE: "hatchet",
      HOGSEND_HATCHET_BIN_DIR: HATCHET_BIN_DIR,
    });
    const headers = { Authorization: `Bearer ${DEV_API_KEY}`, "content-type": "application/json" };
    const get = async <T>(url: string): Promise<T> =>
      ((await (await fetch(`${base}${url}`, { headers })).json()) as { data: T }).data;
    const ingest = async (event: string, userId: string) => {
      const res = await fetch(`${base}/v1/ingest`, {
        method: "POST",
        headers,
        body: JSON.stringify({ event, userId, userEmail: `${userId}@example.com` }),
      });
      expect(res.status).toBe(202);
    };
    const until = async <T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 60_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = await read().catch(() => undefined as T);
        if (value !== undefined && ok(value)) return value;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}\n${dev?.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    const health = await waitForHealthy(`${base}/v1/health`, 240_000);
    expect(health).toMatchObject({ status: "healthy", engine: "hatchet" });
    expect(dev.output()).toContain("Engine     Hatchet (local hatchet-lite v0.104.0");

    await ingest("user.created", "ada");
    const mail = await until(
      "the welcome email in the dev inbox",
      () => get<Array<{ subject: string }>>("/v1/admin/mailbox?to=ada@example.com"),
      (m) => m.length > 0,
    );
    expect(mail.map((m) => m.subject)).toEqual(["Welcome to Hogsend — let's get you set up"]);
    type Run = { journeyId: string; status: string; currentNodeId: string | null };
    const asleep = await until(
      "the run to sleep",
      () => get<Run[]>("/v1/admin/users/ada/journeys"),
      (runs) => runs.some((r) => r.journeyId === "activation-welcome" && r.status === "waiting"),
    );
    expect(asleep.find((r) => r.journeyId === "activation-welcome")?.currentNodeId).toBe("post-welcome");

    await ingest("user.deleted", "ada");
    const ended = await until(
      "the exit mid-sleep",
      () => get<Run[]>("/v1/admin/users/ada/journeys"),
      (runs) => runs.some((r) => r.journeyId === "activation-welcome" && r.status === "exited"),
    );
    expect(ended.find((r) => r.journeyId === "activation-welcome")?.status).toBe("exited");
    expect(await get<unknown[]>("/v1/admin/mailbox?to=ada@example.com")).toHaveLength(1);
  }, 300_000);
});
