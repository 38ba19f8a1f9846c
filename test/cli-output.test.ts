import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/run-cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await testDb.db.query(
    `INSERT INTO contacts (user_id, email, properties) VALUES ('out-1', 'out-1@example.com', '{"plan":"pro"}')`,
  );
});

afterAll(async () => {
  await testDb?.drop();
});

describe("CLI output streams", () => {
  it("logs on stderr only, so `hogsend contacts export > file` holds the export and nothing else", async () => {
    // trace logs whatever the command logs; development pretty-prints (the colourised path, when a TTY).
    for (const NODE_ENV of ["development", "test"]) {
      const result = await runCli(["contacts", "export"], {
        DATABASE_URL: testDb.url,
        NODE_ENV,
        LOG_LEVEL: "trace",
      });
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.split("\n");
      expect(lines.pop()).toBe("");
      expect(lines.map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ userId: "out-1", email: "out-1@example.com", properties: { plan: "pro" } }),
      ]);
      expect(result.stderr).toContain("exporting contacts");
      // stderr is a pipe here, not a terminal: no ANSI colour codes.
      expect(result.stderr).not.toContain("\x1b[");
    }
  }, 120_000);
});
