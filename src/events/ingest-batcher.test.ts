import { describe, expect, it } from "vitest";
import type { Queryable } from "../db/database.js";
import type { NewEvent } from "./event-types.js";
import { createIngestBatcher } from "./ingest-batcher.js";

/** A stand-in for Postgres that records each statement and remembers every messageId written. */
function fakeDb(options: { failOn?: string; connectionError?: boolean } = {}) {
  const statements: string[][] = [];
  const stored = new Set<string>();
  let release: () => void = () => {};
  let gate = Promise.resolve();
  const db = {
    async query(_text: string, values: unknown[]) {
      const messageIds = values[0] as string[];
      const events = values[1] as string[];
      statements.push(messageIds);
      await gate;
      if (options.failOn && events.includes(options.failOn)) {
        throw Object.assign(new Error(options.connectionError ? "Connection terminated" : "bad row"), {
          code: options.connectionError ? "57P01" : "22P05",
        });
      }
      // appendEvents answers with the messageIds that were stored before this statement.
      const rows = messageIds.filter((id) => stored.has(id)).map((id) => ({ message_id: id }));
      for (const id of messageIds) stored.add(id);
      return { rows, rowCount: rows.length };
    },
  } as unknown as Queryable;
  return {
    db,
    statements,
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
  };
}

const event = (messageId: string, name = "e"): NewEvent => ({
  messageId,
  event: name,
  userId: "u",
  occurredAt: new Date(0),
});

describe("createIngestBatcher", () => {
  it("writes alone when idle and shares one statement among requests that queue behind a busy one", async () => {
    const fake = fakeDb();
    const batcher = createIngestBatcher(fake.db, { maxInFlight: 1 });
    fake.hold();
    const first = batcher.submit([event("a")]);
    const queued = [
      batcher.submit([event("b")]),
      batcher.submit([event("c"), event("b")]),
      batcher.submit([event("d")]),
    ];
    fake.release();
    expect(await first).toEqual({ accepted: 1, duplicates: 0 });
    expect(await Promise.all(queued)).toEqual([
      { accepted: 1, duplicates: 0 },
      { accepted: 1, duplicates: 1 },
      { accepted: 1, duplicates: 0 },
    ]);
    expect(fake.statements).toEqual([["a"], ["b", "c", "d"]]);
  });

  it("keeps one request's failure from failing the requests it was grouped with", async () => {
    const fake = fakeDb({ failOn: "poison" });
    const batcher = createIngestBatcher(fake.db, { maxInFlight: 1 });
    fake.hold();
    const first = batcher.submit([event("a")]);
    const good = batcher.submit([event("b")]);
    const bad = batcher.submit([event("c", "poison")]);
    fake.release();
    await first;
    expect(await good).toEqual({ accepted: 1, duplicates: 0 });
    await expect(bad).rejects.toThrow("bad row");
  });

  it("fails every grouped request on a connection error, so none is acknowledged unstored", async () => {
    const fake = fakeDb({ failOn: "poison", connectionError: true });
    const batcher = createIngestBatcher(fake.db, { maxInFlight: 1 });
    fake.hold();
    const first = batcher.submit([event("a")]);
    const grouped = [batcher.submit([event("b")]), batcher.submit([event("c", "poison")])];
    fake.release();
    await first;
    for (const outcome of grouped) await expect(outcome).rejects.toThrow("Connection terminated");
  });

  it("caps the events per statement", async () => {
    const fake = fakeDb();
    const batcher = createIngestBatcher(fake.db, { maxInFlight: 1, maxEvents: 3 });
    fake.hold();
    const all = [batcher.submit([event("a")])];
    for (const id of ["b", "c", "d", "e", "f"]) all.push(batcher.submit([event(id)]));
    fake.release();
    await Promise.all(all);
    expect(fake.statements).toEqual([["a"], ["b", "c", "d"], ["e", "f"]]);
  });
});

describe("createIngestBatcher against earlier writes", () => {
  it("counts ids stored by an earlier statement as duplicates", async () => {
    const fake = fakeDb();
    const batcher = createIngestBatcher(fake.db);
    expect(await batcher.submit([event("x"), event("y")])).toEqual({ accepted: 2, duplicates: 0 });
    expect(await batcher.submit([event("y"), event("z")])).toEqual({ accepted: 1, duplicates: 1 });
  });
});
