export type Settlement<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<I, R> {
  /** Batches written at once; items arriving while all are busy wait and go together in the next batch. */
  maxInFlight: number;
  /** The most a batch may weigh; a batch always takes at least one item, however heavy. */
  maxBatchWeight: number;
  /** An item's weight (events in a request); default 1, which makes maxBatchWeight a count. */
  weight?(item: I): number;
  /** Writes one batch; resolves with one settlement per item, in order. A throw rejects every item. */
  write(batch: I[]): Promise<Array<Settlement<R>>>;
}

export interface GroupCommit<I, R> {
  /** Resolves when the batch holding `item` has written it (or rejects with its own failure). */
  submit(item: I): Promise<R>;
}

interface Waiting<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit, shared by ingest and the run committer: at low load an item is written at once with no added delay;
 * under load the items that arrive while every writer is busy share the next statement or transaction, so one
 * commit (one WAL flush) serves many callers, and each caller still resolves only after its own item is written.
 */
export function createGroupCommit<I, R>(options: GroupCommitOptions<I, R>): GroupCommit<I, R> {
  const queue: Array<Waiting<I, R>> = [];
  let inFlight = 0;

  const weigh = options.weight ?? (() => 1);
  const pump = () => {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const batch: Array<Waiting<I, R>> = [queue.shift()!];
      const items = [batch[0]!.item];
      let weight = weigh(items[0]!);
      while (queue.length > 0 && weight + weigh(queue[0]!.item) <= options.maxBatchWeight) {
        const next = queue.shift()!;
        weight += weigh(next.item);
        batch.push(next);
        items.push(next.item);
      }
      inFlight++;
      void settle(batch, items).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  const settle = async (batch: Array<Waiting<I, R>>, items: I[]) => {
    try {
      const settlements = await options.write(items);
      batch.forEach((waiting, index) => {
        const settlement = settlements[index];
        if (settlement?.ok) waiting.resolve(settlement.value);
        else
          waiting.reject(
            settlement ? settlement.error : new Error("group commit: no settlement for an item"),
          );
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
  };
}
