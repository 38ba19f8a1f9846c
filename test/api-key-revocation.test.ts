import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp, type RunningServer, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * Two api processes on one database, as in production: a key revoked through one stops working on that one at
 * once and on the other within a second, including when the other's LISTEN connection was cut.
 */
const BOOTSTRAP = "revocation-test-bootstrap-key-0123456789";
let testDb: TestDatabase;
const apps: App[] = [];
const servers: RunningServer[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  for (let i = 0; i < 2; i++) {
    const app = await createApp(loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: BOOTSTRAP }), {
      databaseUrl: testDb.url,
    });
    apps.push(app);
    servers.push(await startApiServer(app, 0));
  }
});

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const app of apps) await app.close();
  await testDb?.drop();
});

const base = (server: RunningServer | undefined) => `http://127.0.0.1:${server?.port}`;
const A = () => base(servers[0]);
const B = () => base(servers[1]);

async function mintKey(on: string, withKey: string, scope: "admin" | "ingest" = "admin") {
  const res = await fetch(`${on}/v1/admin/api-keys`, {
    method: "POST",
    headers: { Authorization: `Bearer ${withKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: `minted-${Date.now()}`, scope }),
  });
  const body = ((await res.json()) as { data?: { key?: string; id?: string } }).data;
  return { status: res.status, key: body?.key, id: body?.id };
}

async function listStatus(on: string, key: string): Promise<number> {
  const res = await fetch(`${on}/v1/admin/api-keys`, { headers: { Authorization: `Bearer ${key}` } });
  await res.arrayBuffer();
  return res.status;
}

async function revoke(on: string, id: string, withKey = BOOTSTRAP): Promise<number> {
  const res = await fetch(`${on}/v1/admin/api-keys/${id}`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${withKey}` },
  });
  await res.arrayBuffer();
  return res.status;
}

/** Polls until `check` answers 401; returns how long that took after `since`. */
async function msUntilRefused(check: () => Promise<number>, since: number, limitMs = 3_000): Promise<number> {
  for (;;) {
    const status = await check();
    if (status === 401) return Date.now() - since;
    expect(status).toBe(200);
    if (Date.now() - since > limitMs) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function hotKey() {
  const minted = await mintKey(A(), BOOTSTRAP);
  expect(minted.status).toBe(201);
  const key = minted.key as string;
  // Used on both, so both have it cached.
  for (let i = 0; i < 3; i++) {
    expect(await listStatus(A(), key)).toBe(200);
    expect(await listStatus(B(), key)).toBe(200);
  }
  return { key, id: minted.id as string };
}

describe("API key revocation across processes", () => {
  it("fails on the revoking process at once and on the other within a second", async () => {
    const { key, id } = await hotKey();
    expect(await revoke(A(), id)).toBe(200);
    const revokedAt = Date.now();
    expect(await listStatus(A(), key)).toBe(401);
    const onB = await msUntilRefused(() => listStatus(B(), key), revokedAt);
    expect(onB).toBeLessThan(1_000);
    // And it stays refused: nothing re-caches the old answer.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await listStatus(A(), key)).toBe(401);
    expect(await listStatus(B(), key)).toBe(401);
  });

  it("a revoked admin key cannot mint a key after its revoke returned, racing requests or not", async () => {
    const { key, id } = await hotKey();
    // Requests with the key in flight on both processes while it is revoked with itself.
    let stop = false;
    const minted: { sentAt: number; on: string; status: number }[] = [];
    const hammer = async (on: string) => {
      while (!stop) {
        const sentAt = Date.now();
        const result = await mintKey(on, key, "ingest");
        minted.push({ sentAt, on, status: result.status });
      }
    };
    const hammers = [hammer(A()), hammer(B())];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await revoke(A(), id, key)).toBe(200);
    const revokedAt = Date.now();
    expect(minted.some((m) => m.status === 201)).toBe(true);
    const onA = await mintKey(A(), key);
    expect(onA.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    stop = true;
    await Promise.all(hammers);
    const lateOnA = minted.filter((m) => m.on === A() && m.sentAt >= revokedAt && m.status !== 401);
    expect(lateOnA, "a request on the revoking process after the revoke returned succeeded").toEqual([]);
    const lateOnB = minted.filter((m) => m.on === B() && m.sentAt >= revokedAt + 1_000 && m.status !== 401);
    expect(lateOnB, "a request on the other process a second after the revoke succeeded").toEqual([]);
    expect(await mintKey(B(), key)).toMatchObject({ status: 401 });
  });

  it("a cut LISTEN connection does not let a revoked key live on", async () => {
    const { key, id } = await hotKey();
    // Cut every api's LISTEN session; the revocation's notification is sent while they reconnect.
    const cut = await testDb.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'hogsend-api-keys'`,
    );
    expect(cut.rowCount).toBe(2);
    await testDb.db.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [id]);
    const revokedAt = Date.now();
    const onB = await msUntilRefused(() => listStatus(B(), key), revokedAt);
    expect(onB).toBeLessThan(1_000);
    expect(await listStatus(A(), key)).toBe(401);
  });

  it("revoking outside the api (the CLI's UPDATE) reaches both processes", async () => {
    const { key, id } = await hotKey();
    await testDb.db.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [id]);
    const revokedAt = Date.now();
    expect(await msUntilRefused(() => listStatus(A(), key), revokedAt)).toBeLessThan(1_000);
    expect(await msUntilRefused(() => listStatus(B(), key), revokedAt)).toBeLessThan(1_000);
  });
});
