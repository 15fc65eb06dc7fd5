import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { listInvoices, runBilling } from "../invoicing/index.js";
import { TestClock } from "../kernel/clock.js";
import { backtestScriptVersion } from "./backtest-service.js";
import { analyst, OCTOBER, ratingBook } from "./rating-choice-test-support.js";
import { rateCustomerPeriod } from "./rating-service.js";
import { usageReconciliation } from "./reconciliation-service.js";
import { listVersions } from "./script-service.js";

/**
 * The 3PL script is the default. A SaaS customer who sends no usage and has
 * no assignment is not rated at all; a 3PL customer assigned to the script
 * is rated every month, so a month without events bills the minimum; an
 * unassigned customer with events is rated by the default.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-15T00:00:00Z") };
const book = await ratingBook(deps, { is_default: true });
const saas = await book.client("SaaS seats customer");
const quiet = await book.client("Quiet warehouse client", { assigned: true });
const busy = await book.client("Busy warehouse client");
deps.clock = new TestClock("2026-10-20T00:00:00Z");
await book.send(busy, [["inbound.received", "2026-10-02T15:00:00Z", { warehouse: "RNO1", cartons: 12, pallets: 2 }]]);

const linesOf = async (customer: string) => {
  const [invoice] = (await listInvoices(deps, { customer_id: customer }, { limit: 10 })).data;
  return invoice?.lines.map((line) => [line.description, line.amount]);
};
const runsOf = async (customer: string) =>
  (await sql<{ n: string }>`select count(*) as n from usage_rating_runs where customer_id = ${customer}`.execute(db))
    .rows[0]?.n;

describe("which customers a charge script rates", () => {
  it("bills no usage to a SaaS customer without events, and the minimum to an assigned one", async () => {
    deps.clock = new TestClock("2026-11-01T00:00:00Z");
    const run = await runBilling(deps, analyst, { as_of: deps.clock.now() });
    expect(run.invoices_created).toBe(3);
    // The SaaS customer: the account fee only, no usage lines, no rating run, no charges.
    expect(await linesOf(saas)).toEqual([[expect.stringContaining("Warehouse account"), "100.00"]]);
    expect(await runsOf(saas)).toBe("0");
    // Assigned, no events: the 3PL script's finalize tops the empty month up to the 1,500.00 minimum.
    expect(await linesOf(quiet)).toEqual([
      [expect.stringContaining("Warehouse account"), "100.00"],
      ["Monthly minimum, top-up", "1500.00"], // 1,500.00 − 0.00
    ]);
    // Unassigned with events: the default script rates it.
    expect(await linesOf(busy)).toEqual([
      [expect.stringContaining("Warehouse account"), "100.00"],
      ["Receiving, per carton", "15.00"], // 12 × 1.25
      ["Receiving, per pallet", "19.00"], // 2 × 9.50
      ["Monthly minimum, top-up", "1466.00"], // 1,500.00 − 34.00
    ]);
  });

  it("refuses to re-rate the SaaS customer's month and re-rates the assigned one", async () => {
    await expect(rateCustomerPeriod(deps, analyst, saas, OCTOBER)).rejects.toMatchObject({
      code: "usage_no_charge_script",
    });
    const run = await rateCustomerPeriod(deps, analyst, quiet, OCTOBER);
    expect(run).toMatchObject({ events_rated: 0, charges: 1, amount: "1500.00" });
  });

  it("backtests the assigned customer and the one with events, not the SaaS customer", async () => {
    const [version] = (await listVersions(deps, book.script)).data;
    const result = await backtestScriptVersion(deps, analyst, {
      script: book.script,
      version: version?.id as string,
      period_start: OCTOBER.start.toString(),
      period_end: OCTOBER.end.toString(),
    });
    expect(result.summary).toMatchObject({ customers: 2, events: 1 });
    const customers = new Set(result.rows.data.map((row) => row.customer));
    expect(customers).toEqual(new Set([quiet, busy]));
  });

  it("names the script that rates each customer in the reconciliation", async () => {
    const period = { period_start: OCTOBER.start, period_end: OCTOBER.end };
    const report = async (customer: string) =>
      ((await usageReconciliation(deps, { customer, ...period })).data[0] as { charge_script: unknown }).charge_script;
    expect(await report(saas)).toEqual({ script: null, source: "none" });
    expect(await report(quiet)).toEqual({ script: book.script, source: "assigned" });
    expect(await report(busy)).toEqual({ script: book.script, source: "default" });
    const all = await usageReconciliation(deps, period);
    expect(all.data.map((row) => row.customer).sort()).toEqual([quiet, busy].sort());
  });
});
