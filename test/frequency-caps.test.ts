import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templates as exampleTemplateList } from "../examples/emails/index.js";
import { createDatabase, type Database } from "../src/db/database.js";
import { checkFrequencyCap } from "../src/email/frequency-cap.js";
import { createEmailClient, type SendEmailResult, sendEmail } from "../src/email/index.js";
import { insertMessage } from "../src/email/outbox/message-store.js";
import { parseFrequencyCaps } from "../src/email/templates/frequency-caps.js";
import { createTemplateRegistry } from "../src/email/templates/template-registry.js";
import { days, defineJourney, hours } from "../src/index.js";
import { createJourneyHarness, type JourneyHarness } from "../src/testing/index.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

const caps = {
  marketing: { max: 3, per: days(7) },
  product: { max: 1, per: days(1), onCap: "defer" as const },
};
const base = { enabled: true, entryLimit: "unlimited" as const, suppress: hours(0) };
const results: Record<string, SendEmailResult[]> = {};
const record = (userId: string, result: SendEmailResult) => {
  const list = results[userId] ?? [];
  list.push(result);
  results[userId] = list;
};

/** Two marketing emails a day apart, then a transactional one. */
const promoA = defineJourney({
  meta: { ...base, id: "promo-a", name: "Promo A", trigger: { event: "promo.a" } },
  run: async (user, ctx) => {
    const to = { to: user.email, userId: user.id, subject: "Hello" };
    record(user.id, await sendEmail({ ...to, template: "reactivation-checkin" }));
    await ctx.sleep({ duration: days(1), label: "a1" });
    record(user.id, await sendEmail({ ...to, template: "conversion-winback-offer" }));
  },
});

/** Two more marketing emails (the 3rd and 4th of the week across journeys) and a transactional one. */
const promoB = defineJourney({
  meta: { ...base, id: "promo-b", name: "Promo B", trigger: { event: "promo.b" } },
  run: async (user, ctx) => {
    const to = { to: user.email, userId: user.id, subject: "Hello" };
    record(user.id, await sendEmail({ ...to, template: "reactivation-checkin" }));
    await ctx.sleep({ duration: hours(1), label: "b1" });
    record(user.id, await sendEmail({ ...to, template: "conversion-winback-offer" }));
    record(user.id, await sendEmail({ ...to, template: "churn-payment-failed" }));
  },
});

/** Two product emails back to back under a 1-per-day deferring cap. */
const productPair = defineJourney({
  meta: { ...base, id: "product-pair", name: "Product pair", trigger: { event: "product.pair" } },
  run: async (user) => {
    const to = { to: user.email, userId: user.id, subject: "Product" };
    record(user.id, await sendEmail({ ...to, template: "activation/welcome" }));
    record(user.id, await sendEmail({ ...to, template: "activation/nudge" }));
  },
});

let database: TestDatabase;
let h: JourneyHarness;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({
    databaseUrl: database.url,
    journeys: [promoA, promoB, productPair],
    templates: exampleTemplateList,
    frequencyCaps: caps,
  });
  db = createDatabase(database.url, { max: 12, applicationName: "frequency-cap-race" });
});
afterAll(async () => {
  await db?.close();
  await h?.close();
  await database?.drop();
});

async function messagesOf(userId: string) {
  const result = await h.db.query<{
    template: string;
    status: string;
    status_reason: string | null;
    created_at: Date;
  }>(
    "SELECT template, status, status_reason, created_at FROM messages WHERE user_id = $1 ORDER BY created_at, run_position",
    [userId],
  );
  return result.rows.map((r) => [r.template, r.status, r.status_reason, r.created_at.toISOString()]);
}

describe("frequency caps across journeys", () => {
  it("skips the 4th marketing email of the week across two journeys, while a transactional one goes", async () => {
    const t0 = h.clock.now().getTime();
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    await h.send({ event: "promo.a", userId: "u1", userEmail: "u1@example.com" });
    await h.advance(days(2));
    await h.send({ event: "promo.b", userId: "u1", userEmail: "u1@example.com" });
    await h.advance(hours(2));
    expect(await messagesOf("u1")).toEqual([
      ["reactivation-checkin", "queued", null, at(0)],
      ["conversion-winback-offer", "queued", null, at(86_400_000)],
      ["reactivation-checkin", "queued", null, at(2 * 86_400_000)],
      ["conversion-winback-offer", "skipped", "frequency_cap", at(2 * 86_400_000 + 3_600_000)],
      ["churn-payment-failed", "queued", null, at(2 * 86_400_000 + 3_600_000)],
    ]);
    // The journey was told, on the first execution and on every replay alike.
    const capped = results.u1?.filter((r) => r.reason === "frequency_cap") ?? [];
    expect(capped.length).toBeGreaterThan(0);
    expect(capped.every((r) => r.status === "skipped")).toBe(true);
    expect((await h.runs({ userId: "u1" })).map((r) => r.status)).toEqual(["completed", "completed"]);

    // A week after the first send it has left the window: one more marketing email fits again.
    await h.advance(days(5));
    await h.send({ event: "promo.b", userId: "u1", userEmail: "u1@example.com" });
    await h.advance(hours(2));
    const rows = await messagesOf("u1");
    expect(rows.slice(5).map((r) => [r[0], r[1], r[2]])).toEqual([
      ["reactivation-checkin", "queued", null],
      ["conversion-winback-offer", "skipped", "frequency_cap"],
      ["churn-payment-failed", "queued", null],
    ]);
  });

  it("defers a capped send durably until the cap allows it (onCap: defer), journaled as a frequency_cap wait", async () => {
    const t0 = h.clock.now().getTime();
    await h.send({ event: "product.pair", userId: "u2", userEmail: "u2@example.com" });
    expect((await messagesOf("u2")).map((r) => r[0])).toEqual(["activation/welcome"]);
    const [run] = await h.runs({ journeyId: "product-pair", userId: "u2" });
    expect(run?.status).toBe("waiting");
    expect(run?.currentNodeId).toBe("frequency_cap:activation/nudge");
    expect(run?.dueAt?.getTime()).toBe(t0 + 86_400_000);
    const journal = await h.journal(run!.id);
    expect(journal.map((e) => e.kind)).toEqual(["email", "email", "frequency_cap"]);
    expect(journal[1]?.result).toMatchObject({
      v: { deferredUntil: new Date(t0 + 86_400_000).toISOString() },
    });
    expect(journal[2]?.result).toMatchObject({
      reason: "frequency_cap",
      category: "product",
      max: 1,
      waited: true,
    });

    await h.advance(hours(23));
    expect(await messagesOf("u2")).toHaveLength(1);
    await h.advance(hours(1));
    const rows = await messagesOf("u2");
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual([
      ["activation/welcome", "queued", new Date(t0).toISOString()],
      ["activation/nudge", "queued", new Date(t0 + 86_400_000).toISOString()],
    ]);
    expect((await h.runs({ journeyId: "product-pair", userId: "u2" }))[0]?.status).toBe("completed");
    const last = results.u2?.at(-1);
    expect(last).toMatchObject({
      status: "queued",
      deferred: { reason: "frequency_cap", since: new Date(t0).toISOString() },
    });
  });
});

describe("frequency caps under concurrency", () => {
  const registry = createTemplateRegistry(exampleTemplateList, {
    frequencyCaps: { marketing: { max: 2, per: days(7) } },
  });

  it("never exceeds the cap when concurrent transactions check and insert at once (the lock serialises them)", async () => {
    const now = new Date();
    // Each transaction checks, then dawdles before inserting: without the lock all six would count zero.
    const attempt = (i: number) =>
      db.transaction(async (tx) => {
        const decision = await checkFrequencyCap(tx, registry.frequencyCaps, {
          recipient: { userId: "race" },
          category: "marketing",
          now,
        });
        await tx.query("SELECT pg_sleep(0.05)");
        await insertMessage(tx, {
          toEmail: "race@example.com",
          userId: "race",
          template: "reactivation-checkin",
          subject: `race ${i}`,
          category: "marketing",
          props: {},
          ...(decision.allowed ? {} : { status: "skipped" as const, statusReason: "frequency_cap" }),
        });
        return decision.allowed;
      });
    const allowed = await Promise.all(Array.from({ length: 6 }, (_, i) => attempt(i)));
    expect(allowed.filter(Boolean)).toHaveLength(2);
    const counts = await db.query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM messages WHERE user_id = 'race' GROUP BY status ORDER BY status",
    );
    expect(counts.rows).toEqual([
      { status: "queued", n: 2 },
      { status: "skipped", n: 4 },
    ]);
  });

  it("caps concurrent transactional sends of a capped category (POST /v1/send's path), per contact", async () => {
    const client = createEmailClient({ db, templates: registry });
    const sends = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client.send({
          to: "t@example.com",
          userId: "tx-user",
          template: "reactivation-checkin",
          subject: `t${i}`,
        }),
      ),
    );
    expect(sends.filter((s) => s.status === "queued")).toHaveLength(2);
    expect(sends.filter((s) => s.status === "skipped" && s.reason === "frequency_cap")).toHaveLength(6);
    // An uncapped category (transactional) is not counted at all.
    const tx = await client.send({
      to: "t@example.com",
      userId: "tx-user",
      template: "churn-payment-failed",
      subject: "x",
    });
    expect(tx.status).toBe("queued");
  });
});

describe("frequency cap config", () => {
  const categories = ["transactional", "product", "marketing"];
  it("is checked at load, naming each bad field", () => {
    expect(() =>
      parseFrequencyCaps({ promo: { max: 1, per: days(1) } }, categories, "hogsend.config.ts"),
    ).toThrow(/hogsend\.config\.ts[\s\S]*frequencyCaps\.promo: unknown category/);
    expect(() => parseFrequencyCaps({ marketing: { max: 0, per: days(1) } }, categories)).toThrow(
      /frequencyCaps\.marketing\.max/,
    );
    expect(() => parseFrequencyCaps({ marketing: { max: 3, per: 7 } }, categories)).toThrow(
      /frequencyCaps\.marketing\.per: must be a positive duration/,
    );
    expect(() =>
      parseFrequencyCaps({ marketing: { max: 3, per: days(7), onCap: "drop" } }, categories),
    ).toThrow(/frequencyCaps\.marketing\.onCap/);
    expect(() => parseFrequencyCaps([], categories)).toThrow(/must be an object/);
    expect(parseFrequencyCaps({ marketing: { max: 3, per: days(7) } }, categories).get("marketing")).toEqual({
      max: 3,
      per: days(7),
      onCap: "skip",
    });
  });
});
