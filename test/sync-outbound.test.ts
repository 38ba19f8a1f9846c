import http from "node:http";
import type { AddressInfo } from "node:net";
import { defineJourney, hours } from "hogsend";
import { sendEmail } from "hogsend/email";
import { createJourneyHarness, type JourneyHarness } from "hogsend/testing";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import type { EmailProvider } from "../src/email/providers/email-provider.js";
import { createLogger } from "../src/lib/logger.js";
import { createSyncDelivery } from "../src/sync/sync-delivery.js";
import { listDeadLetters, setPostHogDestination } from "../src/sync/sync-outbox-store.js";
import {
  registerWebhookEndpoint,
  requeueSyncDeadLetter,
  testWebhookEndpoint,
} from "../src/sync/webhook-endpoints.js";
import { exampleTemplates } from "./helpers/example-templates.js";
import { FakePostHogServer } from "./helpers/fake-posthog-server.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

/**
 * Engagement out: a journey's email and run facts reach a PostHog-compatible server through the real posthog-node
 * SDK (gzip batches) and a webhook endpoint signed with Standard Webhooks headers — each fact once by uuid, retried
 * on failure, dead-lettered after the last attempt and requeued from there.
 */
const SYSTEM = { actor: { type: "system" as const, name: "test" } };

const welcome = defineJourney({
  meta: {
    id: "sync-welcome",
    name: "Sync welcome",
    enabled: true,
    trigger: { event: "user.created" },
    entryLimit: "once",
    suppress: hours(0),
  },
  run: async (user) => {
    await sendEmail({ to: user.email, userId: user.id, template: "activation/welcome", subject: "Welcome" });
  },
});

const provider: EmailProvider = {
  name: "resend",
  async send() {
    return { ok: true, providerMessageId: `p-${Math.random()}` };
  },
};

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}
let database: TestDatabase;
let h: JourneyHarness;
let posthog: FakePostHogServer;
let receiver: http.Server;
const webhooks: Received[] = [];
let webhookStatus = 200;
let receiverUrl = "";

beforeAll(async () => {
  database = await createTestDatabase();
  posthog = await new FakePostHogServer().start();
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      webhooks.push({ headers: req.headers, body });
      res.writeHead(webhookStatus).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  h = await createJourneyHarness({
    databaseUrl: database.url,
    templates: exampleTemplates,
    journeys: [welcome],
    emailProvider: provider,
  });
});
afterAll(async () => {
  await h?.close();
  await posthog?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await database?.drop();
});

const delivery = (options: { syncEmail?: boolean } = {}) =>
  createSyncDelivery({
    db: h.db,
    clock: h.clock,
    logger: createLogger({ level: "silent", pretty: false }),
    posthog: { apiKey: posthog.apiKey, host: posthog.baseUrl, ...options },
    maxAttempts: 2,
    retryBaseMs: 1,
  });

describe("engagement out", () => {
  it("sends a journey's facts to PostHog and a signed webhook, once each by uuid", async () => {
    await setPostHogDestination(h.db, true);
    const endpoint = await registerWebhookEndpoint(h.db, { url: receiverUrl }, SYSTEM);
    await h.send({ event: "user.created", userId: "sync-1", userEmail: "sync1@example.com" });
    await h.drain();

    const outbox = await h.db.query<{ destination_id: string; type: string }>(
      "SELECT destination_id, type FROM sync_outbox ORDER BY id",
    );
    const types = ["email.queued", "email.sent", "journey.completed", "journey.entered"];
    expect(
      outbox.rows
        .filter((r) => r.destination_id === "posthog")
        .map((r) => r.type)
        .sort(),
    ).toEqual(types);
    expect(outbox.rows.filter((r) => r.destination_id === endpoint.id)).toHaveLength(4);

    expect(await delivery().deliverDue()).toBe(8);
    expect(await delivery().deliverDue()).toBe(0);
    expect((await h.db.query("SELECT 1 FROM sync_outbox")).rowCount).toBe(0);

    expect(posthog.received.map((e) => e.event).sort()).toEqual(types);
    expect(posthog.tally()).toEqual({ unique: 4, duplicates: 0 });
    expect(posthog.requests.every((r) => r.gzip)).toBe(true);
    const sent = posthog.received.find((e) => e.event === "email.sent");
    expect(sent?.distinct_id).toBe("sync-1");
    expect(sent?.properties.$set).toMatchObject({ hogsend_last_email_at: expect.any(String) });
    expect(sent?.properties.template).toBe("activation/welcome");
    // Never the address.
    expect(JSON.stringify(posthog.received)).not.toContain("sync1@example.com");

    expect(webhooks).toHaveLength(4);
    const verifier = new Webhook(endpoint.secret ?? "");
    const ids = webhooks.map(({ headers, body }) => {
      const verified = verifier.verify(body, {
        "webhook-id": String(headers["webhook-id"]),
        "webhook-timestamp": String(headers["webhook-timestamp"]),
        "webhook-signature": String(headers["webhook-signature"]),
      }) as { id: string; type: string; version: number };
      expect(verified.version).toBe(1);
      expect(headers["webhook-id"]).toBe(verified.id);
      return verified.id;
    });
    // The same fact has the same id at every destination.
    expect(ids.sort()).toEqual(posthog.received.map((e) => e.uuid).sort());
  });

  it("retries a failed batch, dead-letters it after the last attempt, and requeues it", async () => {
    posthog.received.length = 0;
    webhooks.length = 0;
    await h.db.query("DELETE FROM sync_destinations WHERE kind = 'webhook'");
    await h.send({ event: "user.created", userId: "sync-2", userEmail: "sync2@example.com" });
    posthog.failNext(500, 503);
    const sync = delivery();
    expect(await sync.deliverDue()).toBe(0);
    h.clock.advance(1000);
    expect(await sync.deliverDue()).toBe(0);
    const dead = await listDeadLetters(h.db, { destinationId: "posthog", limit: 100 });
    expect(dead).toHaveLength(4);
    expect(dead[0]).toMatchObject({ attempts: 2, lastError: expect.stringContaining("503") });
    expect(posthog.received).toHaveLength(0);

    for (const letter of dead)
      expect(await requeueSyncDeadLetter(h.db, letter.id, h.clock.now(), SYSTEM)).toBe(true);
    expect(await sync.deliverDue()).toBe(4);
    expect(posthog.tally()).toEqual({ unique: 4, duplicates: 0 });
    const audit = await h.db.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'sync_dead_letter.requeued'",
    );
    expect(audit.rows[0]).toEqual({ n: 4 });
  });

  it("test-sends a signed webhook.test and reports the endpoint's answer", async () => {
    const endpoint = await registerWebhookEndpoint(
      h.db,
      { url: receiverUrl, eventTypes: ["email.sent"] },
      SYSTEM,
    );
    webhooks.length = 0;
    expect(await testWebhookEndpoint(h.db, endpoint.id, new Date())).toEqual({ ok: true, status: 200 });
    webhookStatus = 410;
    expect(await testWebhookEndpoint(h.db, endpoint.id, new Date())).toEqual({
      ok: false,
      error: "HTTP 410",
    });
    webhookStatus = 200;
    expect(JSON.parse(webhooks[0]?.body ?? "{}")).toMatchObject({ type: "webhook.test" });
    // An endpoint filtered to email.sent gets only that type.
    await h.send({ event: "user.created", userId: "sync-3", userEmail: "sync3@example.com" });
    await h.drain();
    const rows = await h.db.query<{ type: string }>(
      "SELECT type FROM sync_outbox WHERE destination_id = $1",
      [endpoint.id],
    );
    expect(rows.rows).toEqual([{ type: "email.sent" }]);
  });

  it("$sets the email address on the person only when POSTHOG_SYNC_EMAIL is true", async () => {
    expect(loadConfig({ NODE_ENV: "test" }).sync.posthogSyncEmail).toBe(false);
    expect(() => loadConfig({ NODE_ENV: "test", POSTHOG_SYNC_EMAIL: "yes" })).toThrow(/POSTHOG_SYNC_EMAIL/);
    const { sync } = loadConfig({ NODE_ENV: "test", POSTHOG_SYNC_EMAIL: "true" });
    await h.db.query("DELETE FROM sync_destinations WHERE kind = 'webhook'");
    await h.db.query("DELETE FROM sync_outbox");
    posthog.received.length = 0;
    await h.send({ event: "user.created", userId: "sync-4", userEmail: "sync4@example.com" });
    await h.drain();
    expect(await delivery({ syncEmail: sync.posthogSyncEmail }).deliverDue()).toBe(4);
    const byType = new Map(posthog.received.map((e) => [e.event, e]));
    for (const type of ["email.queued", "email.sent"]) {
      const event = byType.get(type);
      expect(event?.properties.$set).toMatchObject({ email: "sync4@example.com" });
      // On the person only: the event's own properties still carry no address.
      expect({ ...event?.properties, $set: undefined }).not.toHaveProperty("email");
    }
    expect(byType.get("email.sent")?.properties.$set).toMatchObject({
      hogsend_last_email_at: expect.any(String),
    });
    // Facts without an address (journey events) set nothing.
    expect(byType.get("journey.entered")?.properties.$set).toBeUndefined();
  });
});
