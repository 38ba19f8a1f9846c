/**
 * `npm run bench -- stalled-clients [--clients N] [--request-timeout-ms MS]`
 *
 * Memory of an api process while many clients stall mid-request, on loopback, against an embedded Postgres in a
 * temp dir (or DATABASE_URL when set). The api is forked (`stalled-clients-worker.ts`) so its memory is measured
 * apart from the clients'. The baseline is the same api, warmed up and idle, measured in the same run. Then, each
 * with N clients that send the head of a 1 MiB POST /v1/webhooks/resend and half its body, then stall:
 *   1. unsigned: no Svix headers; refused before the body is read, so memory should stay at the baseline;
 *   2. signed-looking: fresh Svix headers and a wrong signature; the body has to be read to check the signature,
 *      so memory grows while they stall, until the request timeout disconnects them.
 * "after" is measured once every client is gone, after a full GC (retained memory, not uncollected garbage) and,
 * for RSS, also as is. Bounded: N clients per phase, each phase by the request timeout plus a few seconds.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { freePort } from "../test/helpers/run-cli.js";

const WORKER = fileURLToPath(new URL("./stalled-clients-worker.ts", import.meta.url));
const ADMIN_KEY = "bench-admin-key-0123456789abcdefghij";
const RESEND_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const DECLARED_BYTES = 1_048_576;
const SENT_BYTES = 512 * 1024;

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
const CLIENTS = Math.min(arg("clients", 200), 1_000);
const REQUEST_TIMEOUT_MS = Math.min(arg("request-timeout-ms", 5_000), 60_000);

interface Memory {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}
interface Row {
  phase: string;
  memory: Memory;
  note?: string;
}

async function main() {
  let embedded: EmbeddedPostgresHandle | undefined;
  let tmp: string | undefined;
  let api: ChildProcess | undefined;
  let url = process.env.DATABASE_URL;
  try {
    if (!url) {
      tmp = await mkdtemp(path.join(os.tmpdir(), "hogsend-bench-stalled-"));
      embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), port: await freePort() });
      url = embedded.url;
    }
    await migrate(url);
    const started = await startApi(url);
    api = started.child;
    const { port } = started;
    const rows: Row[] = [];

    await warmUp(port);
    const baseline = await memory(api, true);
    rows.push({ phase: "baseline: idle api after warm-up", memory: baseline });

    for (const phase of ["unsigned", "signed-looking"] as const) {
      const clients = await Promise.all(
        Array.from({ length: CLIENTS }, () =>
          stallingClient(port, phase === "unsigned" ? {} : svixHeaders()),
        ),
      );
      await sleep(1_500);
      const during = await memory(api, false);
      const answered = clients.filter((c) => c.status !== undefined);
      rows.push({
        phase: `${phase}: during ${CLIENTS} stalled clients`,
        memory: during,
        note: `${answered.length} answered (${summarize(answered.map((c) => String(c.status)))}), ${clients.filter((c) => c.closedByServer).length} closed by the api`,
      });
      // The api disconnects what it refused at once and the rest at its request timeout; wait for that.
      const deadline = Date.now() + REQUEST_TIMEOUT_MS + 5_000;
      while (clients.some((c) => !c.closed) && Date.now() < deadline) await sleep(100);
      const lingering = clients.filter((c) => !c.closed).length;
      const closedAt = clients.map((c) => c.closedAfterMs ?? Number.NaN).filter(Number.isFinite);
      for (const client of clients) client.socket.destroy();
      await sleep(500);
      const after = await memory(api, true);
      // Freed buffers go back to the allocator, which returns pages to the OS lazily: sample RSS once more later.
      await sleep(5_000);
      const afterNoGc = await memory(api, false);
      rows.push({
        phase: `${phase}: after the clients are gone (GC)`,
        memory: after,
        note: `RSS 5 s later ${mb(afterNoGc.rss)} MB; closed by the api after ${closedAt.length ? `${Math.round(Math.min(...closedAt))}–${Math.round(Math.max(...closedAt))} ms` : "—"}${lingering ? `; ${lingering} still open at the deadline` : ""}`,
      });
    }
    printTable(rows, baseline);
  } finally {
    if (api && api.exitCode === null) {
      api.send({ type: "stop" });
      await Promise.race([new Promise((resolve) => api?.once("exit", resolve)), sleep(5_000)]);
      if (api.exitCode === null) api.kill("SIGKILL");
    }
    await embedded?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

async function startApi(url: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = fork(WORKER, [], {
    execArgv: ["--conditions=hogsend-source", "--import", "tsx", "--expose-gc"],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      DATABASE_URL: url,
      PORT: String(port),
      HOGSEND_API_KEY: ADMIN_KEY,
      RESEND_WEBHOOK_SECRET: RESEND_SECRET,
      HOGSEND_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HOGSEND_HTTP_HEADERS_TIMEOUT_MS: String(Math.min(10_000, REQUEST_TIMEOUT_MS)),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<{ port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the api did not start within 60 s")), 60_000);
    child.once("exit", (code) => reject(new Error(`the api exited with ${code}`)));
    child.on("message", (message: { type: string; port?: number }) => {
      if (message.type === "ready" && message.port !== undefined) {
        clearTimeout(timer);
        resolve({ port: message.port });
      }
    });
  });
  return { child, port: ready.port };
}

function memory(child: ChildProcess, gc: boolean): Promise<Memory> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string } & Memory) => {
      if (message.type !== "memory") return;
      child.off("message", onMessage);
      resolve({ rss: message.rss, heapUsed: message.heapUsed, arrayBuffers: message.arrayBuffers });
    };
    child.on("message", onMessage);
    child.send({ type: "memory", gc });
  });
}

/** Exercises the webhook and health paths once each way, so the baseline includes loaded code and warm pools. */
async function warmUp(port: number): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    await (await fetch(`${base}/v1/health`)).arrayBuffer();
    const body = JSON.stringify({ type: "email.delivered", data: { email_id: `warm-${i}` } });
    await (
      await fetch(`${base}/v1/webhooks/resend`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...svixHeaders() },
        body,
      })
    ).arrayBuffer();
    await (await fetch(`${base}/v1/webhooks/resend`, { method: "POST", body })).arrayBuffer();
  }
}

interface StallingClient {
  socket: net.Socket;
  status: number | undefined;
  closed: boolean;
  closedByServer: boolean;
  closedAfterMs: number | undefined;
}

/** Sends the head of a 1 MiB webhook and half its body, then sends nothing more. */
function stallingClient(port: number, headers: Record<string, string>): Promise<StallingClient> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, "127.0.0.1");
    const client: StallingClient = {
      socket,
      status: undefined,
      closed: false,
      closedByServer: false,
      closedAfterMs: undefined,
    };
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      client.status ??= Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]) || undefined;
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      client.closed = true;
      client.closedAfterMs = performance.now() - started;
    });
    socket.on("end", () => {
      client.closedByServer = true;
    });
    socket.once("connect", () => {
      const lines = [
        "POST /v1/webhooks/resend HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        `Content-Length: ${DECLARED_BYTES}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      socket.write(Buffer.alloc(SENT_BYTES, "a"));
      resolve(client);
    });
  });
}

/** Fresh Svix headers whose signature is for some other body: they pass every check the api can make early. */
function svixHeaders(): Record<string, string> {
  return {
    "svix-id": `msg_${randomBytes(8).toString("hex")}`,
    "svix-timestamp": String(Math.floor(Date.now() / 1000)),
    "svix-signature": `v1,${randomBytes(32).toString("base64")}`,
  };
}

function summarize(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${n}×${value}`).join(", ") || "none";
}

const mb = (bytes: number) => Math.round(bytes / 1_048_576);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function printTable(rows: Row[], baseline: Memory) {
  const delta = (value: number, base: number) => {
    const d = mb(value) - mb(base);
    return `${mb(value)} (${d >= 0 ? "+" : ""}${d})`;
  };
  console.log(
    `\nstalled clients: ${CLIENTS} per phase, each ${SENT_BYTES / 1024} KiB of a ${DECLARED_BYTES / 1024} KiB body; request timeout ${REQUEST_TIMEOUT_MS} ms`,
  );
  console.log("MB (change from the baseline)");
  console.log(
    `${"phase".padEnd(48)} ${"RSS".padStart(12)} ${"heap used".padStart(12)} ${"buffers".padStart(12)}  note`,
  );
  for (const row of rows) {
    console.log(
      `${row.phase.padEnd(48)} ${delta(row.memory.rss, baseline.rss).padStart(12)} ${delta(row.memory.heapUsed, baseline.heapUsed).padStart(12)} ${delta(row.memory.arrayBuffers, baseline.arrayBuffers).padStart(12)}  ${row.note ?? ""}`,
    );
  }
}

await main();
