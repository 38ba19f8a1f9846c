import { createApp } from "../app.js";
import type { Config } from "../config.js";
import { migrate } from "../db/migrate.js";

export async function runMigrate(config: Config): Promise<void> {
  const app = await createApp(config);
  try {
    const { applied } = await migrate(app.db.url, { logger: app.logger });
    process.stdout.write(
      applied.length === 0
        ? "Schema is current; nothing to apply.\n"
        : `Applied ${applied.length} migration(s): ${applied.join(", ")}\n`,
    );
  } finally {
    await app.close();
  }
}
