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
import { updateCustomerReviewSettings, updateReviewSettings } from "./review-settings-service.js";
import { listInvoices } from "./service.js";
import { createTaxRate } from "./tax-rate-service.js";
import { comparable, postedLinesOf } from "./twin-test-support.js";

/**
 * A billing run finalizes, as it writes them, the invoices the auto-finalize
 * job would finalize at that instant, and leaves every other one a draft.
 * What it finalizes must be exactly what finalizing one draft at a time
 * leaves: figures, number series, ledger entry, outbox event and audit rows.
 */

const { db } = await freshDatabase();
const clock = new TestClock("2026-01-01T00:00:00Z");
const deps = { db, clock };
const fixture = await seatPlan(deps, { amounts: ["10.00", "12.50"] });
const seat = fixture.prices["10.00"] as string;
const seatPlus = fixture.prices["12.50"] as string;
await createTaxRate(deps, ctx, { country: "FR", percentage: "20", name: "TVA", effective_from: "2014-01-01" });
const at = (text: string) => Temporal.Instant.from(text);
const PARIS = { line1: "1 rue de Rivoli", city: "Paris", postal_code: "75001", country: "FR" };

async function subscribe(customer: string, seats = "3") {
  return createSubscription(deps, ctx, {
    customer,
    items: [
      { price: seat, quantity: seats },
      { price: seatPlus, quantity: "2" },
    ],
    start_at: at("2026-01-01T00:00:00Z"),
    billing_anchor: { kind: "day_of_month", day: 1 },
  });
}

async function frenchCustomer(name: string, address: typeof PARIS | null = PARIS) {
  const customer = await createCustomer(deps, ctx, {
    legal_name: name,
    currency: "USD",
    time_zone: "Europe/Paris",
    ...(address === null ? {} : { billing_address: address }),
  });
  return customer.id;
}

const invoicesOf = async (customer: string) =>
  (await listInvoices(deps, { customer_id: customer }, { limit: 10 })).data.toReversed();

describe("a billing run finalizing as it writes", () => {
  it("finalizes exactly as finalizing one draft at a time does", async () => {
    const careful = await frenchCustomer("Careful SARL");
    const batch = await frenchCustomer("Batch SARL");
    const subscriptions = [await subscribe(careful), await subscribe(batch)];
    // A mid-period upgrade for both: the proration lines ride on February's invoice.
    clock.set("2026-01-15T12:00:00Z");
    for (const subscription of subscriptions) {
      await changeItems(deps, ctx, subscription.id, {
        items: [
          { price: seat, quantity: "5" },
          { price: seatPlus, quantity: "2" },
        ],
        proration_behavior: "create_prorations",
      });
    }
    clock.set("2026-02-01T00:00:00Z");
    // The careful twin first: no grace period yet, so its run leaves drafts, finalized one at a time.
    const first = await runBilling(deps, ctx, { as_of: clock.now(), customer: careful });
    expect(first).toMatchObject({ invoices_created: 2, invoices_finalized: 0 });
    for (const draft of await invoicesOf(careful)) await finalizeInvoice(deps, ctx, draft.id);
    await updateReviewSettings(deps, ctx, { auto_finalize_grace_hours: 0 });
    const run = await runBilling(deps, ctx, { as_of: clock.now() });
    // January and February for the batch twin, both finalized by the run itself.
    expect(run).toMatchObject({ invoices_created: 2, invoices_finalized: 2, failed: 0 });
    expect(run.items?.map((item) => item.finalized)).toEqual([true, true]);
    // Nothing is left for the job.
    expect(await finalizeDueDrafts(deps, ctx, { asOf: clock.now() })).toEqual({ finalized: [], held: [] });

    const batchInvoices = await invoicesOf(batch);
    const carefulInvoices = await invoicesOf(careful);
    expect(batchInvoices.map(comparable)).toEqual(carefulInvoices.map(comparable));
    expect(batchInvoices.map((invoice) => invoice.status)).toEqual(["open", "open"]);
    // January: 30.00 + 25.00 − 15.95 + 26.58 (the upgrade's proration) = 65.63, tax per line
    // 6.00 + 5.00 − 3.19 + 5.32 = 13.13, total 78.76; February: 50.00 + 25.00 + 15.00 tax = 90.00.
    expect(batchInvoices.map((invoice) => [invoice.total, invoice.tax])).toEqual([
      ["78.76", "13.13"],
      ["90.00", "15.00"],
    ]);
    // One series without a gap, January before February: the careful twin took 1 and 2.
    expect(carefulInvoices.map((invoice) => invoice.number)).toEqual(["INV-2026-000001", "INV-2026-000002"]);
    expect(batchInvoices.map((invoice) => invoice.number)).toEqual(["INV-2026-000003", "INV-2026-000004"]);
    // Issued on the run's day in Paris, due per the default terms.
    expect(batchInvoices.map((invoice) => invoice.issue_date)).toEqual(carefulInvoices.map((i) => i.issue_date));

    const of = await postedLinesOf(db);
    expect(of(batch)).toEqual(of(careful));
    expect(of(batch).length).toBeGreaterThan(0);
    const balance = await trialBalance(deps);
    expect(balance.totals.every((total) => total.debit.eq(total.credit))).toBe(true);

    // One outbox event per invoice, either way. The careful twin's invoices were drafts first
    // (created, then finalized from a draft); the run's never were: one finalized row each.
    const events = await sql<{ n: string }>`
      select count(*)::text as n from outbox_events where type = 'invoice.finalized'`.execute(db);
    expect(events.rows[0]?.n).toBe("4");
    const audits = await sql<{ action: string; customer: string; before: string | null; after: string }>`
      select action, after->>'customer_id' as customer, before->>'status' as before, after->>'status' as after
        from audit_events where action in ('invoice.created', 'invoice.finalized') order by action, customer`.execute(
      db,
    );
    const rows = (customer: string) =>
      audits.rows.filter((row) => row.customer === customer).map(({ customer: _c, ...row }) => row);
    expect(rows(careful)).toEqual([
      { action: "invoice.created", before: null, after: "draft" },
      { action: "invoice.created", before: null, after: "draft" },
      { action: "invoice.finalized", before: "draft", after: "open" },
      { action: "invoice.finalized", before: "draft", after: "open" },
    ]);
    expect(rows(batch)).toEqual([
      { action: "invoice.finalized", before: null, after: "open" },
      { action: "invoice.finalized", before: null, after: "open" },
    ]);
  });

  it("leaves a draft whatever the job would not finalize now", async () => {
    clock.set("2026-03-01T00:00:00Z");
    await updateReviewSettings(deps, ctx, {
      auto_finalize_grace_hours: 0,
      approval_amount_by_currency: { USD: "500.00" },
    });
    // Clean: finalized by the run.
    const clean = await frenchCustomer("Propre SARL");
    await subscribe(clean);
    // No billing address: the checklist's address rule stands.
    const noAddress = await frenchCustomer("Sans Adresse SARL", null);
    await subscribe(noAddress);
    // Two subscriptions with the same total: each is a possible duplicate of the other.
    const twice = await frenchCustomer("Deux Fois SARL");
    await subscribe(twice);
    await subscribe(twice);
    // 40 seats × 10.00 + 25.00 = 425.00, + 20 % TVA = 510.00: above the 500.00 that needs an approver.
    const large = await frenchCustomer("Grande SARL");
    await subscribe(large, "40");
    // A day of grace for this customer alone.
    const patient = await frenchCustomer("Patiente SARL");
    await subscribe(patient);
    await updateCustomerReviewSettings(deps, ctx, patient, { auto_finalize_grace_hours: 24 });

    clock.set("2026-03-02T00:00:00Z");
    const run = await runBilling(deps, ctx, { as_of: clock.now() });
    const statusOf = async (customer: string) => (await invoicesOf(customer)).map((invoice) => invoice.status);
    // Each was billed for January, February and March (started 2026-01-01, billed in advance).
    expect(await statusOf(clean)).toEqual(["open", "open", "open"]);
    expect(await statusOf(noAddress)).toEqual(["draft", "draft", "draft"]);
    expect((await statusOf(twice)).every((status) => status === "draft")).toBe(true);
    expect(await statusOf(large)).toEqual(["draft", "draft", "draft"]);
    expect(await statusOf(patient)).toEqual(["draft", "draft", "draft"]);
    const mine = new Set([clean, noAddress, twice, large, patient]);
    const items = (run.items ?? []).filter((item) => mine.has(item.customer));
    expect(items).toHaveLength(3 * 6);
    expect(items.filter((item) => item.finalized).map((item) => item.customer)).toEqual([clean, clean, clean]);
    // The first story's twins got their March invoices too, clean and finalized: 3 + 2.
    expect(run.invoices_finalized).toBe(5);

    // The job decides the rest as before: the patient customer's grace has not passed, the others are held.
    const job = await finalizeDueDrafts(deps, ctx, { asOf: clock.now() });
    expect(job.finalized).toEqual([]);
    expect(job.held).toHaveLength(3 + 6 + 3);
    const balance = await trialBalance(deps);
    expect(balance.totals.every((total) => total.debit.eq(total.credit))).toBe(true);
  });

  it("bills and numbers each period once when two runs race", async () => {
    clock.set("2026-04-01T00:00:00Z");
    const racers = [await frenchCustomer("Course A SARL"), await frenchCustomer("Course B SARL")];
    for (const customer of racers) await subscribe(customer, "7");
    clock.set("2026-04-02T00:00:00Z");
    const numbersBefore = await sql<{ n: string }>`
      select count(*)::text as n from invoices where number is not null`.execute(db);
    const [first, second] = await Promise.all([
      runBilling(deps, ctx, { as_of: clock.now() }),
      runBilling(deps, ctx, { as_of: clock.now() }),
    ]);
    // January to April for each racer, and April for the five customers billed before.
    const created = (first.invoices_created ?? 0) + (second.invoices_created ?? 0);
    const finalized = first.invoices_finalized + second.invoices_finalized;
    const periods = await sql<{ customer_id: string; period_index: number; number: string | null }>`
      select customer_id, period_index, number from invoices
       where customer_id = any(${racers}::text[]) order by customer_id, period_index`.execute(db);
    expect(periods.rows.map((row) => row.period_index)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(periods.rows.every((row) => row.number !== null)).toBe(true);
    // Every number taken once, with no gap: the losing run's numbers went back with its rollback.
    const numbers = await sql<{ number: string }>`
      select number from invoices where number is not null order by number`.execute(db);
    const sequence = numbers.rows.map((row) => Number(row.number.slice(-6)));
    expect(sequence).toEqual(Array.from({ length: sequence.length }, (_, i) => i + 1));
    expect(sequence.length - Number(numbersBefore.rows[0]?.n)).toBe(finalized);
    expect(created).toBeGreaterThanOrEqual(8);
    const balance = await trialBalance(deps);
    expect(balance.totals.every((total) => total.debit.eq(total.credit))).toBe(true);
  });
});
