import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support/database.js";
import { type CustomerInput, createCustomer } from "../customers/index.js";
import { TestClock } from "../kernel/clock.js";
import { Decimal } from "../kernel/money.js";
import { getEntry } from "../ledger/index.js";
import { createSubscription } from "../subscriptions/index.js";
import { ctx, seatPlan } from "../subscriptions/test-support.js";
import { runBilling } from "./billing-run.js";
import { applyCoupon, createCoupon, listCustomerDiscounts } from "./coupon-service.js";
import { adjustCreditBalance, creditBalances } from "./credit-balance.js";
import { finalizeInvoice, voidInvoice } from "./finalization.js";
import { createDraft, createInvoiceItem, listInvoices } from "./service.js";
import { createTaxRate } from "./tax-rate-service.js";
import { upcomingInvoice } from "./upcoming.js";

/**
 * Tax, coupons and credit balances end to end, through billing runs on a test
 * clock: the seller (the "default" legal entity) is established in DE; every customer has
 * 3 seats at 10.00 a month from 1 January 2024, billed in advance (30.00 a
 * period before tax and discounts).
 */

const { db } = await freshDatabase();
const clock = new TestClock("2024-01-01T00:00:00Z");
const deps = { db, clock };
const fixture = await seatPlan(deps);
const seat = fixture.prices["10.00"] as string;
const at = (text: string) => Temporal.Instant.from(text);

await createTaxRate(deps, ctx, { country: "FR", percentage: "20", name: "TVA", effective_from: "2014-01-01" });
await createTaxRate(deps, ctx, { country: "GB", percentage: "20", name: "VAT", effective_from: "2011-01-04" });

const ADDRESSES = {
  FR: { line1: "1 rue de Rivoli", city: "Paris", postal_code: "75001", country: "FR" },
  GB: { line1: "10 Downing St", city: "London", postal_code: "SW1A 2AA", country: "GB" },
  US: { line1: "1 Main St", city: "Springfield", region: "IL", postal_code: "62701", country: "US" },
} as const;

async function customerWith(country: keyof typeof ADDRESSES, extra: Partial<CustomerInput> = {}) {
  const customer = await createCustomer(deps, ctx, {
    legal_name: `Customer in ${country}`,
    currency: "USD",
    billing_address: ADDRESSES[country],
    ...extra,
  });
  const subscription = await createSubscription(deps, ctx, {
    customer: customer.id,
    items: [{ price: seat, quantity: "3" }],
    start_at: at("2024-01-01T00:00:00Z"),
  });
  return { customer: customer.id, subscription: subscription.id };
}

async function invoicesOf(customer: string) {
  return (await listInvoices(deps, { customer_id: customer }, { limit: 100 })).data.toReversed();
}

async function bill(customer: string, asOf: string) {
  const run = await runBilling(deps, ctx, { as_of: at(asOf), customer });
  expect(run.failed).toBe(0);
  return invoicesOf(customer);
}

describe("tax on billing-run invoices", () => {
  it("reverse charges an FR business with an FR VAT id (seller in DE), and names the product", async () => {
    const { customer } = await customerWith("FR", { tax_ids: [{ type: "eu_vat", value: "FR40303265045" }] });
    const [invoice] = await bill(customer, "2024-01-15T00:00:00Z");
    expect(invoice).toMatchObject({ subtotal: "30.00", tax: "0.00", total: "30.00" }); // 3 × 10.00, VAT self-assessed
    expect(invoice?.tax_breakdown).toEqual([
      expect.objectContaining({ kind: "reverse_charge", name: "Reverse charge", taxable_amount: "30.00" }),
    ]);
    expect(invoice?.lines[0]).toMatchObject({
      tax_name: "Reverse charge",
      tax_rate: "0",
      product_id: expect.any(String),
    });
  });

  it("charges FR VAT to an FR business whose VAT id is German: reverse charge needs a local VAT id", async () => {
    const { customer } = await customerWith("FR", { tax_ids: [{ type: "eu_vat", value: "DE123456789" }] });
    const [invoice] = await bill(customer, "2024-01-15T00:00:00Z");
    expect(invoice).toMatchObject({ tax: "6.00", total: "36.00" }); // 30.00 × 20 % = 6.00
  });

  it("charges a GB consumer 20 % VAT", async () => {
    const { customer, subscription } = await customerWith("GB");
    const upcoming = await upcomingInvoice(deps, { subscription });
    expect(upcoming).toMatchObject({ period_index: 0, tax: "6.00", total: "36.00" }); // the preview prices the same way
    const [invoice] = await bill(customer, "2024-01-15T00:00:00Z");
    expect(invoice).toMatchObject({ subtotal: "30.00", tax: "6.00", total: "36.00", amount_due: "36.00" }); // 30.00 + 30.00 × 20 %
    expect(invoice?.lines[0]).toMatchObject({ tax_rate: "20", tax_name: "VAT", tax_amount: "6.00" });
  });

  it("stops the exemption the day after its certificate expires", async () => {
    const exemption = { certificate_reference: "HMRC-EX-778", expires_on: "2024-01-31" };
    const { customer } = await customerWith("GB", { tax_exemption: exemption });
    const [january, february] = await bill(customer, "2024-02-15T00:00:00Z");
    // January's period starts 2024-01-01, inside the certificate: no tax.
    expect(january).toMatchObject({ tax: "0.00", total: "30.00" });
    expect(january?.tax_breakdown[0]).toMatchObject({ kind: "exempt", name: "Exempt (HMRC-EX-778)" });
    // February's starts 2024-02-01, the day after it expired: 30.00 × 20 % = 6.00.
    expect(february).toMatchObject({ tax: "6.00", total: "36.00" });
  });

  it("brings pending invoice items onto the run's invoice, taxed like the rest", async () => {
    const { customer } = await customerWith("GB");
    await createInvoiceItem(deps, ctx, { customer_id: customer, description: "Onboarding", unit_amount: "50.00" });
    const [invoice] = await bill(customer, "2024-01-15T00:00:00Z");
    expect(invoice?.lines.map((line) => [line.source.type, line.amount])).toEqual([
      ["subscription", "30.00"],
      ["invoice_item", "50.00"],
    ]);
    expect(invoice).toMatchObject({ tax: "16.00", total: "96.00" }); // (30.00 + 50.00) × 20 % = 16.00
  });
});

describe("coupons on billing-run invoices", () => {
  it("takes 25 % off invoices 1 to 3 of a monthly subscription, and not the 4th", async () => {
    const { customer, subscription } = await customerWith("US"); // no US rate: not taxed
    const coupon = await createCoupon(deps, ctx, {
      name: "25 % off for 3 months",
      percent_off: "25",
      duration: "repeating",
      duration_in_periods: 3,
    });
    await applyCoupon(deps, ctx, customer, { coupon: coupon.id, subscription });
    const invoices = await bill(customer, "2024-04-15T00:00:00Z");
    expect(invoices.map((invoice) => [invoice.period_index, invoice.discount, invoice.total])).toEqual([
      [0, "7.50", "22.50"], // 30.00 × 25 % = 7.50 off
      [1, "7.50", "22.50"],
      [2, "7.50", "22.50"],
      [3, "0.00", "30.00"], // 3 periods used
    ]);
    expect(invoices[0]?.discounts).toEqual([
      expect.objectContaining({ coupon_id: coupon.id, name: "25 % off for 3 months", amount: "7.50" }),
    ]);
    const [discount] = (await listCustomerDiscounts(deps, customer, { limit: 10 })).data;
    expect(discount).toMatchObject({ periods_applied: 3, active: false });
  });

  it("counts a voided invoice's period back", async () => {
    const { customer } = await customerWith("US");
    const coupon = await createCoupon(deps, ctx, {
      name: "10.00 off once",
      amount_off: "10.00",
      currency: "USD",
      duration: "once",
    });
    await applyCoupon(deps, ctx, customer, { coupon: coupon.id });
    const [first] = await bill(customer, "2024-01-15T00:00:00Z");
    expect(first).toMatchObject({ discount: "10.00", total: "20.00" }); // 30.00 − 10.00
    clock.set("2024-01-20T00:00:00Z");
    await finalizeInvoice(deps, ctx, first?.id as string);
    await voidInvoice(deps, ctx, first?.id as string);
    const [, second] = await bill(customer, "2024-02-15T00:00:00Z");
    expect(second).toMatchObject({ discount: "10.00", total: "20.00" }); // the void gave the period back
  });
});

describe("credit balance", () => {
  it("applies 30.00 of credit to a 100.00 invoice: 70.00 due, and the entry balances", async () => {
    const { customer } = await customerWith("US");
    await adjustCreditBalance(deps, ctx, customer, { amount: "30.00", currency: "USD", reason: "outage in March" });
    expect((await creditBalances(deps, customer)).data).toEqual([
      expect.objectContaining({ currency: "USD", balance: "30.00" }),
    ]);
    const draft = await createDraft(deps, ctx, {
      customer_id: customer,
      lines: [{ description: "Consulting", unit_amount: "100.00" }],
    });
    expect(draft).toMatchObject({ total: "100.00", amount_due: "100.00", credit_applied: "0.00" }); // a draft spends no credit
    const invoice = await finalizeInvoice(deps, ctx, draft.id);
    expect(invoice).toMatchObject({ total: "100.00", credit_applied: "30.00", amount_due: "70.00" }); // 100.00 − 30.00
    const entry = await getEntry(deps, invoice.ledger_entry_id as string);
    const lines = entry.lines.map((line) => [line.account_code, line.debit.toFixed(2), line.credit.toFixed(2)]);
    expect(lines).toEqual(
      expect.arrayContaining([
        [`1100:${customer}`, "70.00", "0.00"], // receivable: what is still due
        [`2300:${customer}`, "30.00", "0.00"], // the credit spent
      ]),
    );
    const revenue = lines.filter(([code]) => !code?.startsWith("1100:") && !code?.startsWith("2300:"));
    expect(revenue.map(([, debit, credit]) => [debit, credit])).toEqual([["0.00", "100.00"]]); // revenue 100.00
    const debits = entry.lines.reduce((sum, line) => sum.plus(line.debit), new Decimal(0));
    const credits = entry.lines.reduce((sum, line) => sum.plus(line.credit), new Decimal(0));
    expect(debits.toFixed(2)).toBe(credits.toFixed(2)); // 70.00 + 30.00 = 100.00
    expect((await creditBalances(deps, customer)).data[0]?.balance).toBe("0.00");
  });

  it("refuses to take back more credit than the customer has", async () => {
    const { customer } = await customerWith("US");
    await adjustCreditBalance(deps, ctx, customer, { amount: "5.00", currency: "USD", reason: "goodwill" });
    await expect(
      adjustCreditBalance(deps, ctx, customer, { amount: "-6.00", currency: "USD", reason: "granted by mistake" }),
    ).rejects.toMatchObject({ code: "credit_balance_insufficient" });
    const back = await adjustCreditBalance(deps, ctx, customer, {
      amount: "-5.00",
      currency: "USD",
      reason: "granted by mistake",
    });
    expect(back.balance).toBe("0.00");
  });
});

describe("under concurrency", () => {
  it("redeems a coupon limited to one customer once, however many apply it at the same moment", async () => {
    const coupon = await createCoupon(deps, ctx, {
      name: "First customer only",
      percent_off: "50",
      duration: "once",
      max_redemptions: 1,
    });
    const customers = await Promise.all([customerWith("US"), customerWith("US"), customerWith("US")]);
    const results = await Promise.allSettled(
      customers.map(({ customer }) => applyCoupon(deps, ctx, customer, { coupon: coupon.id })),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const refused = results.flatMap((result) => (result.status === "rejected" ? [result.reason.code] : []));
    expect(refused).toEqual(["coupon_max_redemptions_reached", "coupon_max_redemptions_reached"]);
  });

  it("spends a credit balance once when two invoices are finalized at the same moment", async () => {
    const { customer } = await customerWith("US");
    await adjustCreditBalance(deps, ctx, customer, { amount: "30.00", currency: "USD", reason: "goodwill" });
    const drafts = await Promise.all(
      ["Audit", "Training"].map((description) =>
        createDraft(deps, ctx, { customer_id: customer, lines: [{ description, unit_amount: "25.00" }] }),
      ),
    );
    const finalized = await Promise.all(drafts.map((draft) => finalizeInvoice(deps, ctx, draft.id)));
    const applied = finalized.map((invoice) => invoice.credit_applied).sort();
    expect(applied).toEqual(["25.00", "5.00"]); // 30.00 of credit: 25.00 on one, the 5.00 left on the other
    expect((await creditBalances(deps, customer)).data[0]?.balance).toBe("0.00");
  });
});
