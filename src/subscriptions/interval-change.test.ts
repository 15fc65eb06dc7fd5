import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { createPlan, createPrice, createProduct } from "../catalog/index.js";
import { getInvoice, listInvoices, runBilling } from "../invoicing/index.js";
import { TestClock } from "../kernel/clock.js";
import { DomainError } from "../kernel/errors.js";
import { changeItems, listChanges, pendingProrationLines, previewChange } from "./changes.js";
import { createSubscription, getSubscription } from "./lifecycle.js";
import { ctx, customerIn, local } from "./test-support.js";

/**
 * Monthly → annual upgrade mid-period, end to end: the change, its preview,
 * and the billing runs over the following year. A customer in Berlin holds
 * 10 seats at 20.00 EUR a month from 2026-03-01 and moves to 10 seats at
 * 200.00 EUR a year. March 2026 in Berlin has 31 days less the hour lost on
 * Mar 29 (DST): 743 h = 2,674,800 s; Mar 16 00:00 → Apr 1 00:00 is 16 days
 * less that hour: 383 h = 1,378,800 s.
 */

const { db } = await freshDatabase();
const deps = { db, clock: new TestClock("2026-01-01T00:00:00Z") };
const BERLIN = "Europe/Berlin";
const berlin = (dateTime: string) => local(dateTime, BERLIN);
const setClock = (instant: Temporal.Instant) => {
  deps.clock = new TestClock(instant);
};

async function seatPrice(currency: string, unit: "month" | "year", amount: string, timing = "in_advance" as const) {
  const product = await createProduct(deps, ctx, { name: "Seat" });
  const plan = await createPlan(deps, ctx, {
    name: `Team (${unit}ly, ${currency}, ${timing})`,
    interval: { unit, count: 1 },
    currency,
    billing_timing: timing,
  });
  const price = await createPrice(deps, ctx, {
    product: product.id,
    plan: plan.id,
    charge_model: { kind: "per_unit", unit_amount: amount },
    effective_from: Temporal.Instant.from("2020-01-01T00:00:00Z"),
  });
  return price.id;
}

const monthly = await seatPrice("EUR", "month", "20.00");
const annual = await seatPrice("EUR", "year", "200.00");
const annualGbp = await seatPrice("GBP", "year", "180.00");
const annualInArrears = await seatPrice("EUR", "year", "200.00", "in_arrears" as "in_advance");

const amounts = (lines: readonly { amount: string }[]) => lines.map((line) => line.amount);
const localDate = (instant: string) =>
  Temporal.Instant.from(instant).toZonedDateTimeISO(BERLIN).toPlainDate().toString();

/** 10 seats × 20.00 a month from 2026-03-01 00:00 Berlin, March billed by a run. */
async function tenMonthlySeats() {
  setClock(berlin("2026-03-01T00:00"));
  const customer = await customerIn(deps, BERLIN, "EUR");
  const subscription = await createSubscription(deps, ctx, { customer, items: [{ price: monthly, quantity: "10" }] });
  await bill(customer, "2026-03-01T00:00", 1); // period 0: 10 × 20.00 = 200.00
  return { customer, id: subscription.id };
}

/** A billing run at a Berlin local time, expecting `created` invoices. */
async function bill(customer: string, at: string, created: number) {
  setClock(berlin(at));
  const run = await runBilling(deps, ctx, { as_of: berlin(at), customer });
  expect(run).toMatchObject({ status: "succeeded", invoices_created: created, failed: 0 });
}

async function invoicesOf(customer: string) {
  const page = await listInvoices(deps, { customer_id: customer }, { limit: 100 });
  const invoices = page.data.toReversed();
  return Promise.all(invoices.map((invoice) => getInvoice(deps, invoice.id)));
}

/** The recurring line's period as Berlin dates. */
const periodOfFirstLine = (invoice: { lines: { period: { start: string; end: string } | null }[] }) => {
  const period = invoice.lines[0]?.period;
  return period == null ? null : [localDate(period.start), localDate(period.end)];
};

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

const toAnnual = { items: [{ price: annual, quantity: "10" }] };

describe("monthly → annual upgrade, immediately", () => {
  it("credits the unused March to the second, then bills the year from the change", async () => {
    const { customer, id } = await tenMonthlySeats();
    setClock(berlin("2026-03-16T00:00"));
    const change = { ...toAnnual, proration_behavior: "create_prorations" as const };

    const preview = await previewChange(deps, id, change);
    expect(preview.effective_at).toBe(berlin("2026-03-16T00:00").toString());
    // −10 × 20.00 × 1,378,800 s / 2,674,800 s = −103.0955… (16/31 of the days would be −103.23,
    // but March 29 has 23 hours, and proration counts seconds)
    expect(amounts(preview.lines)).toEqual(["-103.10"]);
    expect(preview.lines[0]?.description).toBe(
      "Unused time on 10 × Seat from 2026-03-16 00:00 to 2026-04-01 00:00 (Europe/Berlin)",
    );
    expect(preview.billing_cycle).toMatchObject({
      interval: { unit: "year", count: 1 },
      billing_anchor: { kind: "anniversary", day: null },
      first_period: { index: 1, start: berlin("2026-03-16T00:00").toString() },
    });
    expect(localDate(preview.billing_cycle?.first_period.end ?? "")).toBe("2027-03-16");
    expect(amounts(preview.billing_cycle?.lines ?? [])).toEqual(["2000.00"]); // 10 × 200.00, a whole year
    expect(await pendingProrationLines(deps, id)).toEqual([]); // the preview wrote nothing

    const after = await changeItems(deps, ctx, id, change);
    expect(after.interval).toEqual({ unit: "year", count: 1 });
    expect(after.current_period).toMatchObject({ index: 1, start: berlin("2026-03-16T00:00").toString() });
    expect(amounts(await pendingProrationLines(deps, id))).toEqual(["-103.10"]);
    const changes = await listChanges(deps, id, { limit: 10 });
    expect(changes.data[0]).toMatchObject({ kind: "interval_changed", proration_behavior: "create_prorations" });

    await bill(customer, "2026-03-16T00:00", 1); // period 1: the year, in advance, with the credit
    await bill(customer, "2026-12-31T00:00", 0); // nothing due inside the year
    await bill(customer, "2027-03-15T23:00", 0);
    await bill(customer, "2027-03-16T00:00", 1); // period 2: the next year
    await bill(customer, "2027-03-16T00:00", 0); // run again: nothing twice

    const invoices = await invoicesOf(customer);
    expect(invoices.map((invoice) => invoice.period_index)).toEqual([0, 1, 2]);
    expect(invoices.map((invoice) => amounts(invoice.lines))).toEqual([
      ["200.00"], // March: 10 × 20.00
      ["2000.00", "-103.10"], // the year 2026-03-16 → 2027-03-16, and March's unused time
      ["2000.00"], // the year 2027-03-16 → 2028-03-16
    ]);
    expect(invoices.map((invoice) => invoice.total)).toEqual(["200.00", "1896.90", "2000.00"]); // 2,000.00 − 103.10
    expect(invoices.map((invoice) => periodOfFirstLine(invoice))).toEqual([
      ["2026-03-01", "2026-04-01"], // March was invoiced whole, before the change
      ["2026-03-16", "2027-03-16"],
      ["2027-03-16", "2028-03-16"],
    ]);
    expect(await pendingProrationLines(deps, id)).toEqual([]);
  });

  it("always_invoice flags the credit to invoice now; the next run takes it", async () => {
    const { customer, id } = await tenMonthlySeats();
    setClock(berlin("2026-03-16T00:00"));
    const change = { ...toAnnual, proration_behavior: "always_invoice" as const };
    const preview = await previewChange(deps, id, change);
    expect(preview.lines.map((line) => [line.amount, line.invoice_now])).toEqual([["-103.10", true]]);
    await changeItems(deps, ctx, id, change);
    expect((await pendingProrationLines(deps, id)).map((line) => line.invoice_now)).toEqual([true]);
    await bill(customer, "2026-03-16T00:00", 1);
    const invoices = await invoicesOf(customer);
    expect(invoices.map((invoice) => invoice.total)).toEqual(["200.00", "1896.90"]); // 2,000.00 − 103.10
  });

  it("none restarts the cycle without a credit", async () => {
    const { customer, id } = await tenMonthlySeats();
    setClock(berlin("2026-03-16T00:00"));
    const change = { ...toAnnual, proration_behavior: "none" as const };
    expect((await previewChange(deps, id, change)).lines).toEqual([]);
    await changeItems(deps, ctx, id, change);
    await bill(customer, "2026-03-16T00:00", 1);
    const invoices = await invoicesOf(customer);
    expect(invoices.map((invoice) => [invoice.period_index, invoice.total])).toEqual([
      [0, "200.00"],
      [1, "2000.00"], // 10 × 200.00, no credit
    ]);
  });

  it("later seat changes prorate over the annual period", async () => {
    const { id } = await tenMonthlySeats();
    setClock(berlin("2026-03-16T00:00"));
    await changeItems(deps, ctx, id, toAnnual);
    setClock(berlin("2026-09-16T00:00"));
    const preview = await previewChange(deps, id, { items: [{ price: annual, quantity: "12" }] });
    expect(preview.billing_cycle).toBeNull();
    // Sep 16 → Mar 16 is 181 days + the hour gained on Oct 25 = 15,642,000 s of the year's 365 days = 31,536,000 s:
    // −2,000.00 × 15,642,000 / 31,536,000 = −992.0091…; 2,400.00 × the same = 1,190.4109…
    expect(amounts(preview.lines)).toEqual(["-992.01", "1190.41"]);
  });
});

describe("monthly → annual upgrade at a period's start", () => {
  it("before the run billed the period: the year takes its number, nothing credited", async () => {
    const { customer, id } = await tenMonthlySeats();
    setClock(berlin("2026-04-01T00:00"));
    const preview = await previewChange(deps, id, toAnnual);
    expect(preview.lines).toEqual([]);
    expect(preview.billing_cycle?.first_period.index).toBe(1);
    await changeItems(deps, ctx, id, toAnnual);
    await bill(customer, "2026-04-01T00:00", 1);
    const invoices = await invoicesOf(customer);
    expect(invoices.map((invoice) => [invoice.period_index, invoice.total])).toEqual([
      [0, "200.00"],
      [1, "2000.00"], // the year 2026-04-01 → 2027-04-01
    ]);
  });

  it("after the run billed it: April is credited whole and the year is the next number", async () => {
    const { customer, id } = await tenMonthlySeats();
    await bill(customer, "2026-04-01T00:00", 1); // period 1: April, 200.00
    const preview = await previewChange(deps, id, toAnnual);
    expect(amounts(preview.lines)).toEqual(["-200.00"]); // −10 × 20.00 × all of April
    expect(preview.billing_cycle?.first_period.index).toBe(2);
    await changeItems(deps, ctx, id, toAnnual);
    await bill(customer, "2026-04-01T00:00", 1);
    const invoices = await invoicesOf(customer);
    expect(invoices.map((invoice) => [invoice.period_index, invoice.total])).toEqual([
      [0, "200.00"],
      [1, "200.00"],
      [2, "1800.00"], // 2,000.00 for the year − 200.00 for April
    ]);
    expect(periodOfFirstLine(invoices[2] ?? { lines: [] })).toEqual(["2026-04-01", "2027-04-01"]);
  });
});

describe("monthly → annual upgrade at period end", () => {
  it("starts the year on Apr 1 with nothing prorated", async () => {
    const { customer, id } = await tenMonthlySeats();
    setClock(berlin("2026-03-16T00:00"));
    const change = { ...toAnnual, timing: "at_period_end" as const };
    const preview = await previewChange(deps, id, change);
    expect(preview.effective_at).toBe(berlin("2026-04-01T00:00").toString());
    expect(preview.lines).toEqual([]);
    expect(preview.billing_cycle?.first_period).toMatchObject({
      index: 1,
      start: berlin("2026-04-01T00:00").toString(),
    });
    expect(amounts(preview.billing_cycle?.lines ?? [])).toEqual(["2000.00"]);

    const after = await changeItems(deps, ctx, id, change);
    // Until Apr 1 the month goes on.
    expect(after.interval).toEqual({ unit: "month", count: 1 });
    expect(after.current_period).toMatchObject({ index: 0, end: berlin("2026-04-01T00:00").toString() });
    expect((await listChanges(deps, id, { limit: 10 })).data[0]?.kind).toBe("interval_scheduled");

    await bill(customer, "2026-03-31T23:00", 0);
    await bill(customer, "2026-04-01T00:00", 1); // period 1: the year 2026-04-01 → 2027-04-01
    await bill(customer, "2027-03-31T00:00", 0);
    await bill(customer, "2027-04-01T00:00", 1); // period 2
    const invoices = await invoicesOf(customer);
    expect(invoices.map((invoice) => invoice.period_index)).toEqual([0, 1, 2]);
    expect(invoices.map((invoice) => invoice.total)).toEqual(["200.00", "2000.00", "2000.00"]);
    expect(invoices.map((invoice) => periodOfFirstLine(invoice))).toEqual([
      ["2026-03-01", "2026-04-01"],
      ["2026-04-01", "2027-04-01"],
      ["2027-04-01", "2028-04-01"],
    ]);
    expect((await getSubscription(deps, id)).interval).toEqual({ unit: "year", count: 1 });
  });
});

describe("what an interval change still refuses", () => {
  it.each<[string, string]>([
    ["another currency", annualGbp],
    ["another billing timing", annualInArrears],
  ])("%s: plan_terms_mismatch, nothing written", async (_name, price) => {
    const { id } = await tenMonthlySeats();
    setClock(berlin("2026-03-16T00:00"));
    const error = await rejection(changeItems(deps, ctx, id, { items: [{ price, quantity: "10" }] }));
    expect(error).toMatchObject({ code: "plan_terms_mismatch", param: "items" });
    const subscription = await getSubscription(deps, id);
    expect(subscription.phases).toHaveLength(1);
    expect(subscription.interval).toEqual({ unit: "month", count: 1 });
    expect(await pendingProrationLines(deps, id)).toEqual([]);
  });
});
