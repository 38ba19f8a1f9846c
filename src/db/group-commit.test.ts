import { describe, expect, it } from "vitest";
import { createGroupCommit, type Settlement } from "./group-commit.js";

/** A writer whose batches finish only when the test says so, to watch batches form. */
function gatedWriter<I>() {
  const batches: I[][] = [];
  const gates: Array<() => void> = [];
  return {
    batches,
    release: () => gates.shift()?.(),
    write: (batch: I[]) =>
      new Promise<Array<Settlement<I>>>((resolve) => {
        batches.push(batch);
        gates.push(() => resolve(batch.map((value) => ({ ok: true, value }))));
      }),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("createGroupCommit", () => {
  it("writes an item at once when idle, and groups what arrives while every writer is busy", async () => {
    const writer = gatedWriter<number>();
    const commits = createGroupCommit<number, number>({ maxInFlight: 1, maxBatchWeight: 100, ...writer });
    const first = commits.submit(1);
    await tick();
    expect(writer.batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((n) => commits.submit(n));
    await tick();
    expect(writer.batches).toHaveLength(1);
    writer.release();
    expect(await first).toBe(1);
    await tick();
    expect(writer.batches).toEqual([[1], [2, 3, 4]]);
    writer.release();
    expect(await Promise.all(rest)).toEqual([2, 3, 4]);
  });

  it("keeps a batch within its weight, but always takes one item however heavy", async () => {
    const writer = gatedWriter<number[]>();
    const commits = createGroupCommit<number[], number[]>({
      maxInFlight: 1,
      maxBatchWeight: 5,
      weight: (item) => item.length,
      ...writer,
    });
    const all = [[0], [1, 1, 1], [2, 2], [3, 3, 3, 3, 3, 3, 3], [4]].map((item) => commits.submit(item));
    for (let i = 0; i < 4; i++) {
      await tick();
      writer.release();
    }
    await Promise.all(all);
    expect(writer.batches.map((batch) => batch.map((item) => item[0]))).toEqual([[0], [1, 2], [3], [4]]);
  });

  it("settles each item on its own; a throw fails only the batch it was thrown for", async () => {
    let calls = 0;
    const commits = createGroupCommit<string, string>({
      maxInFlight: 1,
      maxBatchWeight: 10,
      write: async (batch) => {
        calls++;
        if (calls === 2) throw new Error("batch failed");
        return batch.map((item) =>
          item === "bad"
            ? { ok: false, error: new Error("bad item") }
            : { ok: true, value: item.toUpperCase() },
        );
      },
    });
    const first = commits.submit("a");
    const grouped = [commits.submit("b"), commits.submit("c")];
    expect(await first).toBe("A");
    await expect(grouped[0]).rejects.toThrow("batch failed");
    await expect(grouped[1]).rejects.toThrow("batch failed");
    const third = [commits.submit("ok"), commits.submit("bad")];
    await expect(third[0]).resolves.toBe("OK");
    await expect(third[1]).rejects.toThrow("bad item");
  });
});
