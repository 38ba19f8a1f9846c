import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailClient, sendEmail } from "../../src/email/index.js";
import { defineJourney, hours, minutes } from "../../src/index.js";
import { validateJourney } from "../../src/journeys/journey-meta-schema.js";
import { createJourneyHarness, type JourneyHarness } from "../../src/testing/index.js";
import { exampleTemplates } from "../helpers/example-templates.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const base = {
  enabled: true,
  entryLimit: "unlimited" as const,
  suppress: hours(0),
};

/** Office hours in the contact's zone; exits on `user.left` (also mid-wait). */
const officeHours = defineJourney({
  meta: {
    ...base,
    id: "office-hours",
    name: "Office hours",
    trigger: { event: "signup" },
    exitOn: [{ event: "user.left" }],
    sendWindow: { start: "09:00", end: "18:00", timezone: "contact" },
  },
  run: async (user) => {
    await sendEmail({ to: user.email, userId: user.id, template: "activation/welcome", subject: "Hi" });
  },
});

/** A send's own window overrides the journey's; `false` sends at once. */
const perSend = defineJourney({
  meta: {
    ...base,
    id: "per-send",
    name: "Per send",
    trigger: { event: "per.send" },
    sendWindow: { start: "09:00", end: "18:00", timezone: "UTC" },
  },
  run: async (user) => {
    await sendEmail({
      to: user.email,
      userId: user.id,
      template: "activation/welcome",
      subject: "Now",
      sendWindow: false,
    });
    await sendEmail({
      to: user.email,
      userId: user.id,
      template: "activation/nudge",
      subject: "Tokyo morning",
      sendWindow: { start: "08:00", end: "09:00", timezone: "Asia/Tokyo" },
    });
  },
});

const badSendZone = defineJourney({
  meta: { ...base, id: "bad-send-zone", name: "Bad zone", trigger: { event: "bad.zone" } },
  run: async (user) => {
    await sendEmail({
      to: user.email,
      userId: user.id,
      template: "activation/welcome",
      subject: "x",
      sendWindow: { start: "09:00", end: "18:00", timezone: ["Mars", "Base"].join("/") },
    });
  },
});

let executions = 0;
const wakes: string[][] = [];
const sleeper = defineJourney({
  meta: { ...base, id: "sleeper", name: "Sleeper", trigger: { event: "sleep.please" } },
  run: async (_user, ctx) => {
    // A Date that differs on every execution (as Date.now() would): only the first is journaled and used.
    executions++;
    const first = await ctx.sleepUntil(
      new Date(Date.parse("2026-11-01T05:00:00Z") + (executions - 1) * 60_000),
      {
        label: "fall-back-night",
      },
    );
    // 05:00Z on 1 November is 01:00 EDT in New York; 09:00 that day is EST (14:00Z): 9 hours, not 8.
    const second = await ctx.sleepUntil({ hour: 9 }, { label: "nine" });
    wakes.push([first.wakeAt, second.wakeAt, second.resumedAt]);
  },
});

const badSleep = defineJourney({
  meta: { ...base, id: "bad-sleep", name: "Bad sleep", trigger: { event: "bad.sleep" } },
  run: async (_user, ctx) => {
    await ctx.sleepUntil({ hour: 25 });
  },
});

let database: TestDatabase;
let h: JourneyHarness;

beforeAll(async () => {
  database = await createTestDatabase();
  h = await createJourneyHarness({
    databaseUrl: database.url,
    journeys: [officeHours, perSend, badSendZone, sleeper, badSleep],
    templates: exampleTemplates,
    // New York, the night clocks spring forward (8 March 2026, 02:00 EST → 03:00 EDT): 06:30Z is 01:30 EST.
    start: "2026-03-08T06:30:00Z",
    env: { HOGSEND_DEFAULT_TIMEZONE: "Europe/Berlin" },
  });
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

async function emailsOf(userId: string) {
  const result = await h.db.query<{ template: string; status: string; created_at: Date }>(
    "SELECT template, status, created_at FROM messages WHERE user_id = $1 ORDER BY created_at, run_position",
    [userId],
  );
  return result.rows.map((r) => ({ template: r.template, status: r.status, at: r.created_at.toISOString() }));
}

async function journalOf(journeyId: string, userId: string) {
  const [run] = await h.runs({ journeyId, userId });
  if (!run) throw new Error(`no run for ${journeyId}/${userId}`);
  return { run, journal: await h.journal(run.id) };
}

function signup(userId: string, timezone?: string) {
  return h.send({
    event: "signup",
    userId,
    userEmail: `${userId}@example.com`,
    properties: timezone === undefined ? {} : { $set: { timezone } },
  });
}

describe("send windows on the virtual clock", () => {
  it("holds a 01:30 send until 09:00 in the contact's zone, across the spring-forward change, durably", async () => {
    await signup("ny", "America/New_York");
    // Invalid contact zone → HOGSEND_DEFAULT_TIMEZONE (Berlin, CET): 07:30 local, opens 09:00 CET = 08:00Z.
    await signup("mars", "Mars/Olympus_Mons");
    // Tokyo: 15:30 JST, inside the window: goes at once, the check journaled as no wait.
    await signup("tokyo", "Asia/Tokyo");

    expect(await emailsOf("ny")).toEqual([]);
    expect(await emailsOf("mars")).toEqual([]);
    expect(await emailsOf("tokyo")).toEqual([
      { template: "activation/welcome", status: "queued", at: "2026-03-08T06:30:00.000Z" },
    ]);

    const ny = await journalOf("office-hours", "ny");
    expect(ny.run.status).toBe("waiting");
    expect(ny.run.currentNodeId).toBe("send_window:activation/welcome");
    // 09:00 EDT is 13:00Z: 6.5 hours of elapsed time for 7.5 hours of wall clock.
    expect(ny.run.dueAt?.toISOString()).toBe("2026-03-08T13:00:00.000Z");
    expect(ny.journal[0]).toMatchObject({
      kind: "send_window",
      label: "activation/welcome",
      result: {
        reason: "send_window",
        timeZone: "America/New_York",
        timeZoneSource: "contact",
        waited: true,
        sleptAt: "2026-03-08T06:30:00.000Z",
        wakeAt: "2026-03-08T13:00:00.000Z",
      },
    });
    const mars = await journalOf("office-hours", "mars");
    expect(mars.journal[0]?.result).toMatchObject({
      timeZone: "Europe/Berlin",
      timeZoneSource: "default",
      invalidContactTimeZone: "Mars/Olympus_Mons",
      wakeAt: "2026-03-08T08:00:00.000Z",
    });
    const tokyo = await journalOf("office-hours", "tokyo");
    expect(tokyo.run.status).toBe("completed");
    expect(tokyo.journal.map((e) => [e.kind, (e.result as { waited?: boolean }).waited])).toEqual([
      ["send_window", false],
      ["email", undefined],
    ]);

    // The contact moves to Tokyo after the decision: the journaled wake time stands (replay agrees).
    await h.send({ event: "profile", userId: "ny", properties: { $set: { timezone: "Asia/Tokyo" } } });
    await h.advance(hours(1)); // 07:30Z
    expect(await emailsOf("mars")).toEqual([]);
    await h.advance(minutes(30)); // 08:00Z: Berlin opens
    expect(await emailsOf("mars")).toEqual([
      { template: "activation/welcome", status: "queued", at: "2026-03-08T08:00:00.000Z" },
    ]);
    await h.advance((4 * 60 + 59) * 60_000); // 12:59Z
    expect(await emailsOf("ny")).toEqual([]);
    await h.advance(minutes(1)); // 13:00Z = 09:00 EDT
    expect(await emailsOf("ny")).toEqual([
      { template: "activation/welcome", status: "queued", at: "2026-03-08T13:00:00.000Z" },
    ]);
    const after = await journalOf("office-hours", "ny");
    expect(after.run.status).toBe("completed");
    expect(after.journal[0]?.result).toMatchObject({
      wakeAt: "2026-03-08T13:00:00.000Z",
      resumedAt: "2026-03-08T13:00:00.000Z",
    });
  });

  it("an exit event during the wait ends the run and nothing is sent", async () => {
    // 13:00Z is 08:00 in Lima (UTC-5, no DST): waits until 14:00Z.
    await signup("lima", "America/Lima");
    expect((await journalOf("office-hours", "lima")).run.status).toBe("waiting");
    await h.send({ event: "user.left", userId: "lima" });
    expect((await journalOf("office-hours", "lima")).run.status).toBe("exited");
    await h.advance(hours(2));
    expect(await emailsOf("lima")).toEqual([]);
  });

  it("a send's own window overrides the journey's, and sendWindow: false goes at once", async () => {
    // Now 15:00Z (00:00 JST on the 9th): the journey window (UTC 09–18) is open but the first send opts out
    // anyway; the second waits for 08:00 JST = 23:00Z.
    await h.send({ event: "per.send", userId: "ps", userEmail: "ps@example.com" });
    expect(await emailsOf("ps")).toEqual([
      { template: "activation/welcome", status: "queued", at: "2026-03-08T15:00:00.000Z" },
    ]);
    const { journal } = await journalOf("per-send", "ps");
    expect(journal.map((e) => e.kind)).toEqual(["email", "send_window"]);
    expect(journal[1]?.result).toMatchObject({ timeZone: "Asia/Tokyo", timeZoneSource: "journey" });
    await h.advance(hours(8));
    expect((await emailsOf("ps")).map((e) => e.at)).toEqual([
      "2026-03-08T15:00:00.000Z",
      "2026-03-08T23:00:00.000Z",
    ]);
  });

  it("an invalid per-send zone fails the run at once, with no retries and no email", async () => {
    await h.send({ event: "bad.zone", userId: "bz", userEmail: "bz@example.com" });
    const { run } = await journalOf("bad-send-zone", "bz");
    expect(run.status).toBe("failed");
    expect(run.attempts).toBe(1);
    expect(run.error).toMatch(/sendWindow/);
    expect(await emailsOf("bz")).toEqual([]);
  });
});

describe("ctx.sleepUntil", () => {
  it("journals the first computed wake time, then the next 09:00 in the contact's zone across fall-back", async () => {
    await h.send({
      event: "sleep.please",
      userId: "sl",
      userEmail: "sl@example.com",
      properties: { $set: { timezone: "America/New_York" } },
    });
    const first = await journalOf("sleeper", "sl");
    expect(first.run.status).toBe("waiting");
    expect(first.run.dueAt?.toISOString()).toBe("2026-11-01T05:00:00.000Z");
    expect(first.run.currentNodeId).toBe("fall-back-night");
    expect(first.journal[0]).toMatchObject({
      kind: "sleep_until",
      label: "fall-back-night",
      result: { until: "2026-11-01T05:00:00.000Z", waited: true },
    });

    await h.advance(Date.parse("2026-11-01T05:00:00Z") - h.clock.now().getTime());
    const second = await journalOf("sleeper", "sl");
    expect(second.run.status).toBe("waiting");
    expect(second.run.dueAt?.toISOString()).toBe("2026-11-01T14:00:00.000Z");
    expect(second.journal[1]).toMatchObject({
      kind: "sleep_until",
      label: "nine",
      result: { until: { hour: 9 }, timeZone: "America/New_York", timeZoneSource: "contact" },
    });
    await h.advance(hours(9));
    expect((await journalOf("sleeper", "sl")).run.status).toBe("completed");
    // Three executions (start, after each wake); the replays all saw the first execution's wake times.
    expect(executions).toBe(3);
    expect(wakes).toEqual([
      ["2026-11-01T05:00:00.000Z", "2026-11-01T14:00:00.000Z", "2026-11-01T14:00:00.000Z"],
    ]);
  });

  it("fails the run, without retries, on an impossible time", async () => {
    await h.send({ event: "bad.sleep", userId: "bs" });
    const { run } = await journalOf("bad-sleep", "bs");
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/hour must be an integer 0–23/);
  });
});

describe("send window validation", () => {
  const meta = { ...base, id: "v", name: "V", trigger: { event: "x" } };
  const check = (sendWindow: unknown) => () =>
    validateJourney({ meta: { ...meta, sendWindow }, run: () => {} });

  it("refuses bad zones, times, days and empty windows in meta, naming the field", () => {
    expect(check({ start: "09:00", end: "18:00", timezone: "Mars/Base" })).toThrow(
      /meta\.sendWindow\.timezone/,
    );
    expect(check({ start: "9", end: "18:00" })).toThrow(/meta\.sendWindow\.start: must be a 24-hour time/);
    expect(check({ start: "09:00", end: "09:00" })).toThrow(
      /meta\.sendWindow\.end: start and end must differ/,
    );
    expect(check({ start: "09:00", end: "18:00", days: ["monday"] })).toThrow(/meta\.sendWindow\.days\.0/);
    expect(check({ start: "09:00", end: "18:00", days: [] })).toThrow(/at least one day/);
    expect(check({ start: "09:00", end: "18:00", tz: "UTC" })).toThrow(/meta\.sendWindow/);
    expect(check({ start: "22:00", end: "06:00", days: ["fri"], timezone: "contact" })).not.toThrow();
  });

  it("is refused outside journeys: a transactional email goes at once", async () => {
    const client = createEmailClient({ db: h.db, templates: exampleTemplates });
    await expect(
      client.send({
        to: "t@example.com",
        template: "activation/welcome",
        subject: "x",
        sendWindow: { start: "09:00", end: "18:00" },
      }),
    ).rejects.toThrow(/sendWindow applies to journey sends only/);
    const count = await h.db.query("SELECT 1 FROM messages WHERE to_email = 't@example.com'");
    expect(count.rowCount).toBe(0);
  });
});
