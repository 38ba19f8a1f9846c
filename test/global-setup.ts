import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { buildStudio, studioBuildIsStale } from "../src/cli/studio-build.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrate.js";
import { freePort } from "../src/lib/free-port.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of a database on the test cluster with rights to CREATE DATABASE. */
    testAdminUrl: string;
    /** A migrated database each test file clones from. */
    testTemplateDatabase: string;
  }
}

const TEMPLATE = `hogsend_template_${process.pid}`;

/**
 * One Postgres for the whole run: embedded by default, or the server at TEST_DATABASE_URL when set. Every test
 * file gets its own database cloned from one migrated template, so files run in parallel without sharing rows.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The Studio browser test serves studio/dist, and `hogsend dev` in the dev tests builds it when missing: build it
  // once here when its sources changed, so no test builds it (or races another build) itself.
  const studio = studioBuildIsStale() ? buildStudio({ quiet: true }) : Promise.resolve(true);
  let embedded: EmbeddedPostgresHandle | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "hogsend-test-pg-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "data"), port: await freePort() });
    adminUrl = embedded.urlFor("postgres");
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  const templateUrl = withDatabase(adminUrl, TEMPLATE);
  await migrate(templateUrl);
  if (!(await studio)) throw new Error("the Studio build (studio/, vite build) failed");
  project.provide("testAdminUrl", adminUrl);
  project.provide("testTemplateDatabase", TEMPLATE);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
