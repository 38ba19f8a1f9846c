import { describe, expect, it } from "vitest";
import { runChaos } from "./chaos/chaos-run.js";

/**
 * The short version of `npm run chaos`: a real api and two real workers, busy with ingest, journeys that sleep and
 * send email, signed webhooks and a contact import, live through one Postgres restart and one round of
 * pg_terminate_backend of all their connections. No process may exit, and the accounting must be exact.
 */
describe("Postgres restart under load (api + 2 workers)", () => {
  it("no process crashes; nothing acknowledged is lost or duplicated; everything recovers by itself", async () => {
    const lines: string[] = [];
    const report = await runChaos({
      restarts: 1,
      kills: 0,
      terminations: 1,
      longOutageMs: 0,
      users: 150,
      singles: 100,
      webhooks: 60,
      importRows: 200,
      gapMs: 2_500,
      deadlineMs: 150_000,
      log: (line) => lines.push(line),
    });
    expect(report.problems, lines.join("\n")).toEqual([]);
    expect(report.crashes).toEqual({ api: 0, worker: 0 });
    expect(report.disruptions).toMatchObject({ restarts: 1, terminations: 1 });
    expect(report.events.stored).toBe(report.events.acknowledged);
    expect(report.runs.completed).toBe(150);
    expect(report.emails.providerAccepted).toBe(300);
    expect(report.recoveryMs.routing).toHaveLength(2);
    // Each process tells of each outage once and of its end once (3 processes, 2 disruptions).
    expect(report.logs.outagesLogged, report.logs.lines.join("\n")).toBeGreaterThanOrEqual(3);
    expect(report.logs.outagesLogged, report.logs.lines.join("\n")).toBeLessThanOrEqual(6);
    expect(report.logs.recoveriesLogged).toBe(report.logs.outagesLogged);
  }, 240_000);
});
