import { sql } from "kysely";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createCustomer } from "../customers/index.js";
import { TestClock } from "../kernel/clock.js";
import { trialBalance } from "../ledger/index.js";
import { changeItems, createSubscription } from "../subscriptions/index.js";
import { ctx, seatPlan } from "../subscriptions/test-support.js";
import { finalizeDueDrafts } from "./auto-finalize.js";
import { runBilling } from "./billing-run.js";
import { finalizeInvoice } from "./finalization.js";
import { updateReviewSettings } from "./review-settings-service.js";
import { listInvoices } from "./service.js";
import { createTaxRate } from "./tax-rate-service.js";
import { comparable, postedLinesOf } from "./twin-test-support.js";

/**
 * The batch paths (a billing run's chunk written in one go, a page of drafts
 * finalized in one go) must leave exactly what the one-at-a-time paths
 * leave. Each story bills twin customers: one the batch way, its twin the
 * careful way, and compares every figure, the ledger and the numbering.
 */

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-01T00:00:00Z");
const deps = { db, clock };
const fixture = await seatPlan(deps, { amounts: ["10.00", "12.50"] });
const seat = fixture.prices["10.00"] as string;
const seatPlus = fixture.prices["12.50"] as string;
await createTaxRate(deps, ctx, { country: "FR", percentage: "20", name: "TVA", effective_from: "2014-01-01" });
const at = (text: string) => Temporal.Instant.from(text);

async function frenchCustomer(name: string) {
  const customer = await createCustomer(deps, ctx, {
    legal_name: name,
    currency: "USD",
    time_zone: "Europe/Paris",
    billing_address: { line1: "1 rue de Rivoli", city: "Paris", postal_code: "75001", country: "FR" },
  });
  const subscription = await createSubscription(deps, ctx, {
    customer: customer.id,
    items: [
      { price: seat, quantity: "3" },
      { price: seatPlus, quantity: "2" },
    ],
    start_at: at("2026-01-01T00:00:00Z"),
    billing_anchor: { kind: "day_of_month", day: 1 },
  });
  return { customer: customer.id, subscription: subscription.id };
}

describe("batch billing and finalization", () => {
  it("bills and finalizes a chunk exactly as one invoice at a time would", async () => {
    const twins = [await frenchCustomer("Batch SARL"), await frenchCustomer("Careful SARL")];
    // A mid-period upgrade for both: the proration lines ride on February's invoice.
    clock.set("2026-01-15T12:00:00Z");
    for (const { subscription } of twins) {
      await changeItems(deps, ctx, subscription, {
        items: [
          { price: seat, quantity: "5" },
          { price: seatPlus, quantity: "2" },
        ],
        proration_behavior: "create_prorations",
      });
    }
    clock.set("2026-02-01T00:00:00Z");
    const run = await runBilling(deps, ctx, { as_of: clock.now() });
    expect(run).toMatchObject({ invoices_created: 4, failed: 0 }); // January and February for each twin
    const [batch, careful] = twins as [(typeof twins)[0], (typeof twins)[0]];
    const drafts = async (customer: string) =>
      (await listInvoices(deps, { customer_id: customer }, { limit: 10 })).data.toReversed();
    // The careful twin first, one draft at a time, through the ordinary finalize.
    for (const draft of await drafts(careful.customer)) await finalizeInvoice(deps, ctx, draft.id);
    await updateReviewSettings(deps, ctx, { auto_finalize_grace_hours: 0 });
    const result = await finalizeDueDrafts(deps, ctx, { asOf: clock.now() });
    expect(result).toEqual({ finalized: expect.any(Array), held: [] });
    expect(result.finalized).toHaveLength(2);

    const batchInvoices = await drafts(batch.customer);
    const carefulInvoices = await drafts(careful.customer);
    expect(batchInvoices.map(comparable)).toEqual(carefulInvoices.map(comparable));
    expect(batchInvoices.map((invoice) => invoice.status)).toEqual(["open", "open"]);
    // January: 30.00 + 25.00 − 15.95 + 26.58 (the upgrade's proration) = 65.63, tax per line
    // 6.00 + 5.00 − 3.19 + 5.32 = 13.13, total 78.76; February: 50.00 + 25.00 + 15.00 tax = 90.00.
    expect(batchInvoices.map((invoice) => [invoice.total, invoice.tax])).toEqual([
      ["78.76", "13.13"],
      ["90.00", "15.00"],
    ]);
    // Numbers continue the same series without a gap: the careful twin took 1 and 2.
    expect(carefulInvoices.map((invoice) => invoice.number)).toEqual(["INV-2026-000001", "INV-2026-000002"]);
    expect(batchInvoices.map((invoice) => invoice.number)).toEqual(["INV-2026-000003", "INV-2026-000004"]);

    // Each finalized invoice posted one entry, with the same lines per account role.
    const of = await postedLinesOf(db);
    expect(of(batch.customer)).toEqual(of(careful.customer));
    expect(of(batch.customer).length).toBeGreaterThan(0);
    const balance = await trialBalance(deps);
    expect(balance.totals.every((total) => total.debit.eq(total.credit))).toBe(true);

    // Outbox events and audit rows: one of each per finalized invoice, batch or not.
    const events = await sql<{ n: string }>`
      select count(*)::text as n from outbox_events where type = 'invoice.finalized'`.execute(db);
    expect(events.rows[0]?.n).toBe("4");
    const audits = await sql<{ action: string; n: string }>`
      select action, count(*)::text as n from audit_events
       where action in ('invoice.created', 'invoice.finalized') group by action order by action`.execute(db);
    expect(audits.rows).toEqual([
      { action: "invoice.created", n: "4" },
      { action: "invoice.finalized", n: "4" },
    ]);
  });
});
