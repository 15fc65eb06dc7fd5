import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createPlan, createPrice, createProduct } from "../catalog/index.js";
import { getInvoiceReview, listInvoices, runBilling, upcomingInvoice } from "../invoicing/index.js";
import { TestClock } from "../kernel/clock.js";
import { createSubscription } from "../subscriptions/index.js";
import { ctx, customerIn } from "../subscriptions/test-support.js";
import { ingestEvents } from "./ingest-service.js";
import { createMeter } from "./meter-service.js";
import { customerUsage } from "./meter-usage.js";

/**
 * A 3PL customer on cold storage priced per pallet-day in graduated tiers,
 * with its warehouse snapshots sent through ingestion and billed by a
 * billing run at the end of October.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-09-01T00:00:00Z") };
/** A fresh clock per story: a test clock never moves backwards. */
const setClock = (text: string) => {
  deps.clock = new TestClock(text);
};
const at = (text: string) => Temporal.Instant.from(text);

await createMeter(deps, ctx, {
  code: "pallet_days",
  name: "Pallet-days",
  event_type: "inventory.snapshot",
  aggregation: "time_weighted_sum",
  value_property: "pallets",
  group_by: ["warehouse"],
});
const product = await createProduct(deps, ctx, { name: "Cold storage" });
/** In arrears: October's usage is billed at the end of October. */
async function storagePlan(billing_timing: "in_arrears" | "in_advance") {
  const plan = await createPlan(deps, ctx, {
    name: `Storage ${billing_timing}`,
    interval: { unit: "month", count: 1 },
    currency: "USD",
    billing_timing,
  });
  return createPrice(deps, ctx, {
    product: product.id,
    plan: plan.id,
    // Up to 100 pallet-days at 1.00; 101–1,000 at 0.80 plus 5.00 once; above 1,000 at 0.50.
    charge_model: {
      kind: "graduated",
      tiers: [
        { up_to: "100", unit_amount: "1.00" },
        { up_to: "1000", unit_amount: "0.80", flat_amount: "5.00" },
        { up_to: null, unit_amount: "0.50" },
      ],
    },
    billable_metric: "pallet_days",
    effective_from: at("2020-01-01T00:00:00Z"),
  });
}

let sent = 0;
async function sendSnapshots(customer: string, snapshots: [string, string, number][]) {
  const events = snapshots.map(([timestamp, warehouse, pallets]) => ({
    transaction_id: `snapshot-${++sent}`,
    customer,
    type: "inventory.snapshot",
    timestamp,
    properties: { warehouse, pallets, storage_type: "chilled" },
  }));
  const outcome = await ingestEvents(deps, ctx, events, { source: "batch" });
  expect(outcome.results.map((result) => result.status)).toEqual(events.map(() => "accepted"));
}

const OCTOBER: [string, string, number][] = [
  ["2026-10-01T00:00:00Z", "DAL", 10],
  ["2026-10-11T00:00:00Z", "RNO", 5],
  ["2026-10-16T00:00:00Z", "DAL", 20],
];

describe("a metered graduated price", () => {
  it("bills October's pallet-days through a billing run, as the upcoming invoice said", async () => {
    const price = await storagePlan("in_arrears");
    const customer = await customerIn(deps, "UTC");
    const subscription = await createSubscription(deps, ctx, {
      customer,
      items: [{ price: price.id }],
      start_at: at("2026-10-01T00:00:00Z"),
    });
    setClock("2026-10-20T00:00:00Z");
    await sendSnapshots(customer, OCTOBER);

    // DAL: 10 pallets Oct 1–16 (15 days) = 150, then 20 pallets Oct 16–Nov 1 (16 days) = 320: 470.
    // RNO: 5 pallets Oct 11–Nov 1 (21 days) = 105. Total 575 pallet-days.
    // Graduated: 100 × 1.00 = 100.00; 475 × 0.80 = 380.00 + 5.00 once = 385.00; 485.00 in all.
    const soFar = await customerUsage(deps, customer, { meter: "pallet_days", period: "current" });
    expect(soFar.period).toMatchObject({ start: "2026-10-01T00:00:00Z", source: "subscription_period" });
    expect(soFar.data[0]?.quantity).toBe("575"); // the pallets held now, counted to the period's end
    const upcoming = await upcomingInvoice(deps, { subscription: subscription.id });
    expect(upcoming.lines.map((line) => [line.description, line.amount])).toEqual([
      ["Pallet-days — quantity 575", "485.00"],
    ]);

    setClock("2026-11-01T00:00:00Z");
    const run = await runBilling(deps, ctx, { as_of: deps.clock.now(), customer });
    expect(run).toMatchObject({ invoices_created: 1, totals: { USD: "485.00" } });
    const [invoice] = (await listInvoices(deps, { customer_id: customer }, { limit: 10 })).data;
    expect(invoice?.lines.map((line) => [line.description, line.amount])).toEqual([
      ["Pallet-days — quantity 575", "485.00"],
    ]);
    expect(invoice?.total).toBe(upcoming.total);
  });

  it("in advance, bills the period before with each invoice, and flags a month without usage", async () => {
    setClock("2026-09-01T00:00:00Z");
    const price = await storagePlan("in_advance");
    const customer = await customerIn(deps, "UTC");
    await createSubscription(deps, ctx, {
      customer,
      items: [{ price: price.id }],
      start_at: at("2026-09-01T00:00:00Z"),
    });
    setClock("2026-10-20T00:00:00Z");
    await sendSnapshots(customer, OCTOBER);
    setClock("2026-11-01T00:00:00Z");
    await runBilling(deps, ctx, { as_of: deps.clock.now(), customer });
    const invoices = (await listInvoices(deps, { customer_id: customer }, { limit: 10 })).data.toReversed();
    const lines = invoices.map((invoice) => invoice.lines.map((line) => [line.description, line.amount]));
    // September's invoice: nothing before it. October's: September's usage (none). November's: October's 575.
    expect(lines).toEqual([[], [["Pallet-days", "0.00"]], [["Pallet-days — quantity 575", "485.00"]]]);
    const review = await getInvoiceReview(deps, invoices[1]?.id as string);
    expect(review.findings.map((finding: { rule: string }) => finding.rule)).toContain("metered_without_usage");
  });
});
