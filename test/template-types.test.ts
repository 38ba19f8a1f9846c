import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TSC = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));

/**
 * test/types/register-templates.tsx is a user's project that registers its templates (`interface Register`); its
 * `@ts-expect-error` lines are a mistyped key and wrong props. tsc passing means each of them is a compile error
 * (an unused `@ts-expect-error` is itself an error, so without the registration tsc fails) and every correct send
 * compiles. It is its own program (excluded from the root tsconfig) because a registration is global to one.
 */
describe("template keys and props are typed from the user's registry", () => {
  it("tsc -p test/types passes: wrong keys and props are compile errors, right ones compile", async () => {
    const result = await run(process.execPath, [TSC, "-p", "test/types"], { cwd: ROOT }).then(
      () => ({ code: 0, out: "" }),
      (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
    );
    expect(result.out).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);
});
