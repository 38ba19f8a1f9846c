import type pg from "pg";
import type { Database } from "../db/database.js";
import { createGroupCommit, type Settlement } from "../db/group-commit.js";
import { insertEvents } from "../events/event-store.js";
import type { NewEvent } from "../events/event-types.js";
import { commitRunProgress, commitRunsProgress, type RunCommit } from "./run-commit-store.js";

export type CommitParams = RunCommit;

export interface CommitOptions {
  /** Runs after the fence in the same transaction (a durable effect's own writes). */
  perform?: ((tx: pg.PoolClient) => Promise<void>) | undefined;
  /** Events stored with the commit, only if the fence held (ctx.trigger, journey:completed/failed). */
  events?: NewEvent[] | undefined;
}

/** Thrown inside a transaction to roll back a commit whose fence failed. */
class FenceFailed extends Error {
  constructor() {
    super("fence failed");
  }
}

/**
 * Writes fenced run commits. Resolves true when committed, false when the fence failed (nothing written);
 * rejects when `perform` or the database failed.
 */
export interface RunCommitter {
  commit(params: CommitParams, options?: CommitOptions): Promise<boolean>;
}

/** One transaction per commit. */
export function createDirectCommitter(db: Database): RunCommitter {
  return {
    async commit(params, options = {}) {
      const { perform, events } = options;
      if (perform === undefined && (events === undefined || events.length === 0)) {
        return commitRunProgress(db, params);
      }
      return db
        .transaction(async (tx) => {
          if (!(await commitRunProgress(tx, params))) throw new FenceFailed();
          if (perform) await perform(tx);
          if (events && events.length > 0) await insertEvents(tx, events);
          return true;
        })
        .catch((error: unknown) => {
          if (error instanceof FenceFailed) return false;
          throw error;
        });
    },
  };
}

interface Pending {
  params: CommitParams;
  options: CommitOptions;
}

const RETRYABLE = new Set(["40P01", "40001"]);

/**
 * Group commit (`createGroupCommit`): commits from concurrent executions that arrive while a transaction is in
 * flight are written together in the next one, so one fsync and a handful of statements cover many runs. Idle, a
 * commit goes out at once; under load batches grow by themselves. Each commit is still fenced on its own: plain
 * commits go in one multi-run statement, commits with an effect (`perform`) each under a savepoint so that a
 * failure touches only that commit, and the events of every commit that held its fence in one insert. A deadlock
 * with a routing transaction (possible, rare) retries the batch.
 */
export function createBatchingCommitter(
  db: Database,
  options: { maxBatch?: number; maxInFlight?: number } = {},
): RunCommitter {
  type Outcome = Settlement<boolean>;

  async function flushWithRetry(batch: Pending[]): Promise<Outcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await flush(batch);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt < 4 && code !== undefined && RETRYABLE.has(code)) continue;
        throw error;
      }
    }
  }

  async function flush(batch: Pending[]): Promise<Outcome[]> {
    const client = await db.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const plain = batch.filter((item) => item.options.perform === undefined).map((item) => item.params);
      const fenced = new Set<string>();
      // One statement cannot update a row twice: concurrent ctx calls of one run (Promise.all) go in rounds.
      for (const round of uniqueRounds(plain)) {
        for (const id of await commitRunsProgress(client, round)) fenced.add(id);
      }
      const outcomes: Outcome[] = batch.map((item) =>
        item.options.perform === undefined
          ? { ok: true, value: fenced.has(item.params.runId) }
          : { ok: true, value: false },
      );
      const withEffects = batch
        .map((item, index) => ({ item, index }))
        .filter(({ item }) => item.options.perform !== undefined)
        .sort((a, b) => (a.item.params.runId < b.item.params.runId ? -1 : 1));
      for (const { item, index } of withEffects) {
        await client.query("SAVEPOINT run_commit");
        try {
          const committed = await commitRunProgress(client, item.params);
          if (committed) await item.options.perform?.(client);
          await client.query("RELEASE SAVEPOINT run_commit");
          outcomes[index] = { ok: true, value: committed };
        } catch (error) {
          await client.query("ROLLBACK TO SAVEPOINT run_commit");
          outcomes[index] = { ok: false, error };
        }
      }
      const events = batch.flatMap((item, index) => {
        const outcome = outcomes[index];
        return outcome?.ok && outcome.value ? (item.options.events ?? []) : [];
      });
      if (events.length > 0) await insertEvents(client, events);
      await client.query("COMMIT");
      return outcomes;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  const commits = createGroupCommit<Pending, boolean>({
    maxInFlight: options.maxInFlight ?? 2,
    maxBatchWeight: options.maxBatch ?? 500,
    write: flushWithRetry,
  });
  return {
    commit: (params, commitOptions = {}) => commits.submit({ params, options: commitOptions }),
  };
}

/** Splits commits into rounds in which each run appears once, keeping each run's commits in order. */
function uniqueRounds(commits: CommitParams[]): CommitParams[][] {
  const rounds: CommitParams[][] = [];
  const seen = new Map<string, number>();
  for (const commit of commits) {
    const round = seen.get(commit.runId) ?? 0;
    seen.set(commit.runId, round + 1);
    const list = rounds[round] ?? [];
    list.push(commit);
    rounds[round] = list;
  }
  return rounds;
}
