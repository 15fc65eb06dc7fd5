import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "./support/database.js";

/**
 * The `accrue` command as an operator runs it: through bin/accrue.js (what
 * `npx accrue` runs), against the database in DATABASE_URL.
 */
const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../bin/accrue.js");
const { url } = await freshDatabase();

function accrue(...args: string[]) {
  return run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: url }, timeout: 60_000 });
}

describe("accrue --help", () => {
  it("lists every command with examples", async () => {
    const { stdout } = await accrue("--help");
    for (const command of ["serve", "migrate", "users", "keys", "ledger", "audit", "jobs"]) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    for (const example of [
      "accrue keys create --role",
      "accrue ledger trial-balance",
      "accrue audit verify",
      "accrue jobs list",
    ]) {
      expect(stdout).toContain(example);
    }
  });

  it("shows each command's own options", async () => {
    const { stdout } = await accrue("ledger", "trial-balance", "--help");
    expect(stdout).toContain("--as-of");
  });
});

describe("accrue against DATABASE_URL", () => {
  it("migrates, creates a key printing only its secret, and prints the trial balance", async () => {
    const migrated = await accrue("migrate");
    expect(migrated.stdout).toMatch(/0 migration\(s\) applied/);
    const key = await accrue("keys", "create", "--role", "auditor", "--name", "cli test");
    expect(key.stdout.trim()).toMatch(/^sk_[A-Za-z0-9_-]{32,}$/);
    const balance = await accrue("ledger", "trial-balance", "--as-of", "2026-11-30");
    expect(balance.stdout.length).toBeGreaterThan(0);
    const verify = await accrue("audit", "verify");
    expect(verify.stdout).toMatch(/intact|ok/i);
  }, 120_000);

  it("exits non-zero with the reason on a bad option", async () => {
    await expect(accrue("keys", "create", "--role", "emperor")).rejects.toMatchObject({ code: 1 });
    await expect(accrue("ledger", "trial-balance", "--as-of", "2026-02-30")).rejects.toMatchObject({ code: 1 });
  });
});
