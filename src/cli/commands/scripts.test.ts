import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../../test/support/database.js";
import { systemContext } from "../../kernel/actor.js";
import { TestClock } from "../../kernel/clock.js";
import { createScript, createVersion } from "../../usage/index.js";

/** `accrue scripts test` as an analyst runs it: through bin/accrue.js. */
const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../../bin/accrue.js");
const REFERENCE = path.resolve(import.meta.dirname, "../../usage/reference");
const { db, url } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-11-02T09:00:00Z") };
const ctx = systemContext("test", "req_test");

async function accrue(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: url },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("accrue scripts test", () => {
  it("runs a local script against a cases file, and exits 1 when a case fails", async () => {
    const script = path.join(REFERENCE, "3pl.lua");
    const cases = path.join(REFERENCE, "3pl-cases.json");
    const passing = await accrue("scripts", "test", "--file", script, "--cases", cases);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain("2 passed, 0 failed");
    const broken = path.join(os.tmpdir(), `accrue-cases-${process.pid}.json`);
    const wrong = JSON.parse(await readFile(cases, "utf8"));
    wrong[0].expected.charges[0].amount = "15.01";
    await writeFile(broken, JSON.stringify(wrong));
    const failing = await accrue("scripts", "test", "--file", script, "--cases", broken);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain("charge 1 (receiving_carton): amount: expected 15.01, got 15.00"); // 12 × 1.25 = 15 exactly
  }, 120_000);

  it("runs a stored script's newest version by name", async () => {
    const created = await createScript(deps, ctx, { name: "Returns" });
    await createVersion(deps, ctx, created.id, {
      source:
        'function charge(e, r) return { code = "returns", quantity = e.units, unit_price = r.returns_per_unit } end',
      test_cases: [
        {
          name: "three units",
          events: [{ type: "return.processed", timestamp: "2026-11-03T10:00:00Z", properties: { units: 3 } }],
          rates: { returns_per_unit: "1.75" },
          expected: { charges: [{ code: "returns", quantity: "3", unit_price: "1.75", amount: "5.25" }] }, // 3 × 1.75
        },
      ],
    });
    const result = await accrue("scripts", "test", "Returns");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Returns version 1 (draft)");
    expect(result.stdout).toContain("PASS  three units");
  }, 120_000);
});
