import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { archiveCustomer, placeBillingHold, releaseBillingHold, unarchiveCustomer } from "../customers/index.js";
import { TestClock } from "../kernel/clock.js";
import { createSubscription } from "../subscriptions/index.js";
import { ctx, customerIn, seatPlan } from "../subscriptions/test-support.js";
import { runBilling } from "./billing-run.js";
import { getBillingRun, listBillingRuns } from "./billing-run-queries.js";
import { listInvoices } from "./service.js";
import { upcomingInvoice } from "./upcoming.js";

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2024-01-01T00:00:00Z") };
const fixture = await seatPlan(deps);
const seat = fixture.prices["10.00"] as string;
const at = (text: string) => Temporal.Instant.from(text);

/** A customer in UTC with 3 seats at 10.00 a month from 1 January 2024, billed in advance. */
async function threeSeats() {
  const customer = await customerIn(deps, "UTC");
  const subscription = await createSubscription(deps, ctx, {
    customer,
    items: [{ price: seat, quantity: "3" }],
    start_at: at("2024-01-01T00:00:00Z"),
  });
  return { customer, subscription: subscription.id };
}

async function invoicesOf(customer: string) {
  const page = await listInvoices(deps, { customer_id: customer }, { limit: 100 });
  return page.data.toReversed();
}

async function rows(table: string): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(result.rows[0]?.n);
}

describe("billing runs", () => {
  it("catches up a subscription 3 months behind with one draft per period, in order", async () => {
    const { customer } = await threeSeats();
    const run = await runBilling(deps, ctx, { as_of: at("2024-03-15T00:00:00Z"), customer });
    expect(run).toMatchObject({ status: "succeeded", subscriptions_considered: 1, invoices_created: 3, failed: 0 });
    expect(run.totals).toEqual({ USD: "90.00" }); // 3 periods × 3 seats × 10.00
    const invoices = await invoicesOf(customer);
    expect(invoices.map((invoice) => invoice.period_index)).toEqual([0, 1, 2]);
    expect(invoices.map((invoice) => invoice.total)).toEqual(["30.00", "30.00", "30.00"]); // 3 × 10.00
    expect(invoices.every((invoice) => invoice.status === "draft")).toBe(true);
    const stored = await getBillingRun(deps, run.id as string);
    expect(stored.items?.map((item) => item.outcome)).toEqual(["invoiced", "invoiced", "invoiced"]);
  });

  it("bills nothing twice when run again", async () => {
    const { customer } = await threeSeats();
    const asOf = at("2024-02-10T00:00:00Z");
    await runBilling(deps, ctx, { as_of: asOf, customer });
    const again = await runBilling(deps, ctx, { as_of: asOf, customer });
    expect(again).toMatchObject({ invoices_created: 0, subscriptions_considered: 0 });
    expect((await invoicesOf(customer)).length).toBe(2); // January and February
  });

  it("bills nothing twice when two runs race", async () => {
    const { customer } = await threeSeats();
    const asOf = at("2024-04-10T00:00:00Z");
    const [first, second] = await Promise.all([
      runBilling(deps, ctx, { as_of: asOf, customer }),
      runBilling(deps, ctx, { as_of: asOf, customer }),
    ]);
    expect((first?.invoices_created ?? 0) + (second?.invoices_created ?? 0)).toBe(4); // January to April, once
    expect((await invoicesOf(customer)).map((invoice) => invoice.period_index)).toEqual([0, 1, 2, 3]);
  });

  it("skips a held customer, records a failing one, and bills the rest", async () => {
    const held = await threeSeats();
    const archived = await threeSeats();
    const fine = await threeSeats();
    await placeBillingHold(deps, ctx, held.customer, "disputed contract");
    await archiveCustomer(deps, ctx, archived.customer);
    const run = await runBilling(deps, ctx, { as_of: at("2024-01-05T00:00:00Z") });
    const outcome = (customer: string) => run.items?.filter((item) => item.customer === customer) ?? [];
    expect(outcome(held.customer)).toMatchObject([
      { outcome: "skipped_held", reason: "billing hold: disputed contract" },
    ]);
    expect(outcome(archived.customer)).toMatchObject([{ outcome: "failed", error: { code: "customer_archived" } }]);
    expect(outcome(fine.customer)).toMatchObject([{ outcome: "invoiced", total: "30.00" }]);
    expect(run.status).toBe("completed_with_failures");
    expect(run.skipped_held).toBeGreaterThanOrEqual(1);
    expect(run.failed).toBeGreaterThanOrEqual(1);
    expect(await invoicesOf(held.customer)).toEqual([]);
    const listed = await listBillingRuns(deps, { limit: 1 });
    expect(listed.data[0]?.id).toBe(run.id);

    // Once the hold is released and the customer restored, the next run bills both.
    await releaseBillingHold(deps, ctx, held.customer);
    await unarchiveCustomer(deps, ctx, archived.customer);
    const retry = await runBilling(deps, ctx, { as_of: at("2024-01-05T00:00:00Z") });
    expect(retry.items?.map((item) => item.customer).sort()).toEqual([archived.customer, held.customer].sort());
    expect(retry).toMatchObject({ status: "succeeded", invoices_created: 2, failed: 0 });
  });

  it("writes nothing on a dry run, and the upcoming invoice is what the next run creates", async () => {
    const { customer, subscription } = await threeSeats();
    const before = { runs: await rows("billing_runs"), invoices: await rows("invoices") };
    const dry = await runBilling(deps, ctx, { as_of: at("2024-02-01T00:00:00Z"), customer, dry_run: true });
    expect(dry).toMatchObject({ id: null, dry_run: true, invoices_created: 2, totals: { USD: "60.00" } });
    expect({ runs: await rows("billing_runs"), invoices: await rows("invoices") }).toEqual(before);

    deps.clock = new TestClock("2024-01-01T00:00:00Z");
    const upcoming = await upcomingInvoice(deps, { subscription });
    expect(await upcomingInvoice(deps, { customer })).toEqual(upcoming);
    await runBilling(deps, ctx, { as_of: deps.clock.now(), customer });
    const [created] = await invoicesOf(customer);
    expect(created).toMatchObject({ period_index: upcoming.period_index, total: upcoming.total });
    expect(created?.lines.map((line) => [line.description, line.amount])).toEqual(
      upcoming.lines.map((line) => [line.description, line.amount]),
    );
    expect(upcoming.total).toBe("30.00"); // 3 × 10.00
  });
});
