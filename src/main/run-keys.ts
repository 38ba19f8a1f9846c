import { assertSchemaCurrent, createApp } from "../app.js";
import { CLI_AUDIT_CONTEXT } from "../audit/audit-entry.js";
import { type ApiKeyScope, createApiKey, listApiKeys, revokeApiKey } from "../auth/api-key-store.js";
import type { Config } from "../config.js";
import { ErrorCodes, HogsendError } from "../errors.js";

async function withApp<T>(
  config: Config,
  fn: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>,
): Promise<T> {
  const app = await createApp(config);
  try {
    await assertSchemaCurrent(app);
    return await fn(app);
  } finally {
    await app.close();
  }
}

export async function createKey(
  config: Config,
  options: { name: string; scope: ApiKeyScope },
): Promise<void> {
  await withApp(config, async (app) => {
    const { key, record } = await createApiKey(app.db, options, CLI_AUDIT_CONTEXT);
    process.stdout.write(
      `Created ${record.scope} key "${record.name}" (id ${record.id}).\n` +
        `Key (shown once; store it now):\n${key}\n`,
    );
  });
}

export async function listKeys(config: Config): Promise<void> {
  await withApp(config, async (app) => {
    const keys = await listApiKeys(app.db);
    if (keys.length === 0) {
      process.stdout.write("No API keys. Create one with `hogsend keys create --name NAME`.\n");
      return;
    }
    for (const key of keys) {
      const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : "active";
      process.stdout.write(
        `${key.id}  ${key.prefix}…  ${key.scope.padEnd(6)}  ${state.padEnd(32)}  ${key.name}\n`,
      );
    }
  });
}

export async function revokeKey(config: Config, idOrPrefix: string): Promise<void> {
  await withApp(config, async (app) => {
    const count = await revokeApiKey(app.db, idOrPrefix, CLI_AUDIT_CONTEXT);
    if (count === 0) throw new HogsendError(ErrorCodes.NOT_FOUND, `No active API key matches ${idOrPrefix}`);
    process.stdout.write(`Revoked ${count} key(s).\n`);
  });
}
