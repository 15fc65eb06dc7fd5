import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currencyMinorUnits, Decimal, isInMinorUnits } from "../kernel/money.js";
import { assembleInvoice, type InvoiceAssemblyInput, type InvoiceLineInput } from "./assembly.js";
import type { Discount } from "./discounts.js";

/** Decimal text of n / 10^places, as an API caller would send it. */
const scaled = (n: number, places: number) => new Decimal(n).div(new Decimal(10).pow(places)).toString();

const lineArb = fc
  .record({
    quantity: fc.integer({ min: 0, max: 10_000 }),
    price: fc.integer({ min: -500_000, max: 5_000_000 }),
    places: fc.integer({ min: 0, max: 12 }),
    subscription: fc.constantFrom("sub_1", "sub_2"),
  })
  .map(
    ({ quantity, price, places, subscription }): InvoiceLineInput => ({
      description: "Line",
      period: null,
      quantity: String(quantity),
      unit_price: scaled(price, places),
      proration: price < 0,
      source: { type: "subscription", subscription_id: subscription, price_id: "price_1" },
      product_id: null,
    }),
  );

const discountArb = (currency: string) =>
  fc
    .oneof(
      fc.integer({ min: 0, max: 100 }).map((percent) => ({ type: "percent" as const, percent_off: String(percent) })),
      fc.integer({ min: 0, max: 10_000_000 }).map((units) => ({
        type: "fixed" as const,
        amount_off: scaled(units, currencyMinorUnits(currency)),
        currency,
      })),
    )
    .chain((value) =>
      fc.constantFrom<Discount["scope"]>({ type: "customer" }, { type: "subscription", subscription_id: "sub_2" }).map(
        (scope): Discount => ({
          coupon: { id: "c", name: "c", value, duration: { type: "forever" }, max_redemptions: null, redeem_by: null },
          scope,
          periods_applied: 0,
        }),
      ),
    );

const inputArb = fc.constantFrom("USD", "JPY", "BHD").chain((currency) =>
  fc.record({
    currency: fc.constant(currency),
    lines: fc.array(lineArb, { maxLength: 6 }),
    discounts: fc.array(discountArb(currency), { maxLength: 3 }),
    tax: fc.constantFrom("0", "7", "19", "8.875").map((percentage) => ({
      kind: "standard" as const,
      rate: {
        id: "r",
        country: "DE",
        region: null,
        percentage,
        name: "VAT",
        effective_from: "2020-01-01",
        effective_to: null,
      },
    })),
    prices_include_tax: fc.boolean(),
    credit_balance: fc.integer({ min: 0, max: 10_000_000 }).map((units) => scaled(units, currencyMinorUnits(currency))),
  }),
);

describe("assembleInvoice: invariants", () => {
  it("totals are sums of rounded figures, discounts sum exactly, nothing is due below zero", () => {
    fc.assert(
      fc.property(inputArb, (input: InvoiceAssemblyInput) => {
        const invoice = assembleInvoice(input);
        const sum = (xs: Decimal[]) => xs.reduce((a, b) => a.plus(b), new Decimal(0));
        for (const line of invoice.lines) {
          for (const figure of [line.amount, line.discount_amount, line.net_amount, line.tax_amount]) {
            expect(isInMinorUnits(figure, input.currency)).toBe(true);
          }
          // Exclusive: the tax comes on top of the discounted amount. Inclusive: it is inside it.
          const charged = line.amount.minus(line.discount_amount);
          const withTax = input.prices_include_tax ? charged : charged.plus(line.tax_amount);
          expect(line.net_amount.plus(line.tax_amount).equals(withTax)).toBe(true);
        }
        expect(invoice.total.equals(invoice.total_excluding_tax.plus(invoice.tax))).toBe(true);
        expect(invoice.tax.equals(sum(invoice.tax_breakdown.map((row) => row.tax_amount)))).toBe(true);
        expect(invoice.discount_total.equals(sum(invoice.lines.map((line) => line.discount_amount)))).toBe(true);
        const positive = sum(invoice.lines.map((line) => Decimal.max(line.amount, 0)));
        expect(invoice.discount_total.lessThanOrEqualTo(positive)).toBe(true);
        expect(invoice.amount_due.isNegative()).toBe(false);
        expect(invoice.credit_applied.lessThanOrEqualTo(input.credit_balance)).toBe(true);
        expect(invoice.amount_due.plus(invoice.credit_applied).minus(invoice.credit_added).equals(invoice.total)).toBe(
          true,
        );
      }),
      { numRuns: 500 },
    );
  });
});
