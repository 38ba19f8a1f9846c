import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "../db/database.js";
import { isHogsendError } from "../errors.js";
import { hashApiKey } from "./api-key-store.js";
import { createApiKeyAuthenticator } from "./authenticate-api-key.js";

const KEY = "hs_admin_unit-test-key-0123456789abcdef";

/** A database with one key row, counting lookups; `revoked` hides the row, `hold` delays the next answer. */
function fakeDatabase() {
  const state = { lookups: 0, revoked: false, hold: undefined as Promise<void> | undefined };
  const db = {
    async query(text: string, values: unknown[]) {
      if (text.includes("last_used_at = now()")) return { rows: [], rowCount: 1 };
      state.lookups++;
      const revokedNow = state.revoked;
      if (state.hold) await state.hold;
      const found = !revokedNow && values[0] === hashApiKey(KEY);
      return {
        rows: found
          ? [
              {
                id: "key-1",
                name: "unit",
                scope: "admin",
                prefix: "hs_admin_unit",
                created_at: new Date(),
                last_used_at: null,
                revoked_at: null,
              },
            ]
          : [],
        rowCount: found ? 1 : 0,
      };
    },
  };
  return { db: db as unknown as Database, state };
}

async function refused(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return false;
  } catch (error) {
    return isHogsendError(error, "UNAUTHORIZED");
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
});
afterEach(() => vi.useRealTimers());

describe("API key cache", () => {
  it("without revocations heard, trusts a cached key for one second only", async () => {
    const { db, state } = fakeDatabase();
    const authenticate = createApiKeyAuthenticator(db, undefined);
    await authenticate(KEY);
    await authenticate(KEY);
    expect(state.lookups).toBe(1);
    state.revoked = true;
    vi.advanceTimersByTime(900);
    expect(await refused(authenticate(KEY))).toBe(false);
    vi.advanceTimersByTime(150);
    expect(await refused(authenticate(KEY))).toBe(true);
  });

  it("while revocations are heard, keeps a key longer, and drops it when told", async () => {
    const { db, state } = fakeDatabase();
    const authenticate = createApiKeyAuthenticator(db, undefined, { hearsRevocations: () => true });
    await authenticate(KEY);
    vi.advanceTimersByTime(5_000);
    await authenticate(KEY);
    expect(state.lookups).toBe(1);
    state.revoked = true;
    authenticate.forget("key-1");
    expect(await refused(authenticate(KEY))).toBe(true);
  });

  it("stops trusting old entries the moment revocations stop being heard", async () => {
    const { db, state } = fakeDatabase();
    let heard = true;
    const authenticate = createApiKeyAuthenticator(db, undefined, { hearsRevocations: () => heard });
    await authenticate(KEY);
    vi.advanceTimersByTime(2_000);
    state.revoked = true;
    // The LISTEN connection drops: the revocation's notification may be the one that was lost.
    heard = false;
    expect(await refused(authenticate(KEY))).toBe(true);
  });

  it("does not cache what a lookup read before a revocation it overlapped", async () => {
    const { db, state } = fakeDatabase();
    const authenticate = createApiKeyAuthenticator(db, undefined, { hearsRevocations: () => true });
    let release = () => {};
    state.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = authenticate(KEY);
    await Promise.resolve();
    // The key is revoked and the notification arrives while the lookup (which read it as valid) is in flight.
    authenticate.forget("key-1");
    release();
    await inFlight;
    state.hold = undefined;
    state.revoked = true;
    expect(await refused(authenticate(KEY))).toBe(true);
  });

  it("forgetAll drops every key", async () => {
    const { db, state } = fakeDatabase();
    const authenticate = createApiKeyAuthenticator(db, undefined, { hearsRevocations: () => true });
    await authenticate(KEY);
    state.revoked = true;
    authenticate.forgetAll();
    expect(await refused(authenticate(KEY))).toBe(true);
  });
});
