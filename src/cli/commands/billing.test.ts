import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../../test/support/database.js";
import { TestClock } from "../../kernel/clock.js";
import { createSubscription } from "../../subscriptions/index.js";
import { ctx, customerIn, seatPlan } from "../../subscriptions/test-support.js";

/** `accrue billing run` as an operator runs it: through bin/accrue.js against DATABASE_URL. */
const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../../bin/accrue.js");
const { db, url } = await freshDatabase();
const deps = { db, clock: new TestClock("2024-01-01T00:00:00Z") };

function accrue(...args: string[]) {
  return run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: url }, timeout: 60_000 });
}

describe("accrue billing run", () => {
  it("previews with --dry-run, then bills once however often it runs", async () => {
    const fixture = await seatPlan(deps);
    const customer = await customerIn(deps, "UTC");
    await createSubscription(deps, ctx, {
      customer,
      items: [{ price: fixture.prices["10.00"] as string, quantity: "1" }],
      start_at: Temporal.Instant.from("2024-01-01T00:00:00Z"),
    });
    const dry = await accrue("billing", "run", "--as-of", "2024-03-01", "--customer", customer, "--dry-run");
    expect(dry.stdout).toContain("dry run (nothing written)");
    expect(dry.stdout).toMatch(/invoices that would be created\s+3/); // January, February, March
    const first = await accrue("billing", "run", "--as-of", "2024-03-01", "--customer", customer);
    expect(first.stdout).toMatch(/invoices created\s+3/);
    expect(first.stdout).toMatch(/of which finalized\s+0/); // no grace period set: drafts for review
    expect(first.stdout).toMatch(/total\s+30\.00 USD/); // 3 × 10.00
    const second = await accrue("billing", "run", "--as-of", "2024-03-01", "--customer", customer);
    expect(second.stdout).toMatch(/invoices created\s+0/);
  }, 120_000);

  it("creates no duplicate when two processes run at once", async () => {
    const fixture = await seatPlan(deps);
    const customer = await customerIn(deps, "UTC");
    await createSubscription(deps, ctx, {
      customer,
      items: [{ price: fixture.prices["10.00"] as string, quantity: "1" }],
      start_at: Temporal.Instant.from("2024-01-01T00:00:00Z"),
    });
    const args = ["billing", "run", "--as-of", "2024-06-01", "--customer", customer];
    const outputs = await Promise.all([accrue(...args), accrue(...args)]);
    const created = outputs.map((output) => Number(/invoices created\s+(\d+)/.exec(output.stdout)?.[1]));
    expect(created.reduce((sum, count) => sum + count, 0)).toBe(6); // January to June, each once
    const invoices = await sql<{
      n: string;
    }>`select count(*) as n from invoices where customer_id = ${customer}`.execute(db);
    expect(Number(invoices.rows[0]?.n)).toBe(6);
  }, 120_000);
});
