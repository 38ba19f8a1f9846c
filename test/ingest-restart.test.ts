import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createApp, type RunningServer, startApiServer } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { freePort } from "./helpers/run-cli.js";

/**
 * A Postgres restart in the middle of a load run, against its own embedded cluster: every acknowledged event is
 * stored exactly once, the API answers 503 (never 500, never a 2xx for an unstored event) while Postgres is
 * down, and recovers by itself once it is back.
 */
const KEY = "restart-test-admin-key-0123456789";
const CLIENTS = 4;
const BATCHES_PER_CLIENT = 40;
const BATCH_SIZE = 50;

let dataDir: string | undefined;
let postgres: EmbeddedPostgresHandle | undefined;

afterAll(async () => {
  await postgres?.stop().catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("Postgres restart during ingest", () => {
  it("loses and duplicates nothing that was acknowledged, answers 503 meanwhile and recovers", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "hogsend-restart-"));
    const port = await freePort();
    const pgDir = path.join(dataDir, "pg");
    postgres = await startEmbeddedPostgres({ dataDir: pgDir, port });
    await migrate(postgres.url);
    const url = postgres.url;
    const app = await createApp(
      loadConfig({ NODE_ENV: "test", HOGSEND_API_KEY: KEY, HOGSEND_INGEST_RATE_LIMIT: "0" }),
      { databaseUrl: url },
    );
    let server: RunningServer | undefined;
    try {
      server = await startApiServer(app, 0);
      const endpoint = `http://127.0.0.1:${server.port}/v1/ingest`;
      const acked = new Set<string>();
      const statuses = new Map<number, number>();
      let ackedBatches = 0;
      const deadline = Date.now() + 90_000;

      const sendBatch = async (client: number, b: number) => {
        const batch = Array.from({ length: BATCH_SIZE }, (_, i) => ({
          event: "load.tick",
          userId: `user-${client}-${i % 5}`,
          messageId: `m-${client}-${b}-${i}`,
        }));
        // Retry the same messageIds until acknowledged: that is what makes the outcome exactly-once.
        while (Date.now() < deadline) {
          let status: number;
          try {
            const res = await fetch(endpoint, {
              method: "POST",
              headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
              body: JSON.stringify({ batch }),
            });
            status = res.status;
            const body = (await res.json()) as { accepted?: number; duplicates?: number };
            if (status === 202) {
              expect((body.accepted ?? 0) + (body.duplicates ?? 0)).toBe(BATCH_SIZE);
              for (const event of batch) acked.add(event.messageId);
              ackedBatches++;
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              return;
            }
            if (status === 503) expect(res.headers.get("retry-after")).not.toBeNull();
          } catch {
            status = -1;
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect([503], `unexpected status ${status}`).toContain(status);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`batch ${client}/${b} never acknowledged`);
      };

      const clients = Array.from({ length: CLIENTS }, async (_, client) => {
        for (let b = 0; b < BATCHES_PER_CLIENT; b++) await sendBatch(client, b);
      });

      const outage = (async () => {
        while (ackedBatches < (CLIENTS * BATCHES_PER_CLIENT) / 3) await new Promise((r) => setTimeout(r, 20));
        await postgres?.stop();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        postgres = await startEmbeddedPostgres({ dataDir: pgDir, port });
      })();

      await Promise.all([...clients, outage]);
      const total = CLIENTS * BATCHES_PER_CLIENT * BATCH_SIZE;
      expect(acked.size).toBe(total);
      expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
      expect(statuses.get(500)).toBeUndefined();

      const check = new pg.Client({ connectionString: url });
      await check.connect();
      try {
        const counts = await check.query<{ events: number; distinct_ids: number; queued: number }>(
          `SELECT count(*)::int AS events, count(DISTINCT message_id)::int AS distinct_ids,
                  (SELECT count(*)::int FROM event_routing_queue) AS queued
             FROM events WHERE message_id LIKE 'm-%'`,
        );
        expect(counts.rows[0]).toEqual({ events: total, distinct_ids: total, queued: total });
      } finally {
        await check.end();
      }
    } finally {
      await server?.close();
      await app.close();
    }
  }, 120_000);
});
