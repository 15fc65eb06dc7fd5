import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import type { InvoiceLineInput } from "./assembly.js";
import {
  type DiscountOnFile,
  invoiceTaxTreatment,
  type PricedTaxRate,
  priceInvoice,
  taxCustomerOf,
} from "./pricing.js";

const rate = (id: string, country: string, percentage: string, inclusive = false): PricedTaxRate => ({
  id,
  country,
  region: null,
  percentage,
  name: "VAT",
  effective_from: "2020-01-01",
  effective_to: null,
  inclusive,
});

const RATES = [rate("fr_20", "FR", "20"), rate("gb_20", "GB", "20", true), rate("de_19", "DE", "19")];
const on = Temporal.PlainDate.from("2026-03-01");
const address = (country: string) => ({ country, region: null });

const customer = (
  country: string | null,
  taxIds: { type: string; country: string | null }[] = [],
  exemption: { certificate_reference: string; expires_on: string | null } | null = null,
) =>
  taxCustomerOf({
    billing_address: country === null ? null : address(country),
    tax_ids: taxIds,
    tax_exemption: exemption,
  });

const kind = (result: ReturnType<typeof invoiceTaxTreatment>) =>
  result.treatment.kind === "standard" ? `standard:${result.treatment.rate.id}` : result.treatment.kind;

describe("invoiceTaxTreatment (seller in DE)", () => {
  const facts = (taxCustomer: ReturnType<typeof customer>) => ({
    seller_country: "DE",
    customer: taxCustomer,
    rates: RATES,
  });
  it.each([
    ["no billing address: not taxed", customer(null), "standard:no_tax"],
    ["US: no US rate in the table, not taxed", customer("US"), "standard:no_tax"],
    ["FR consumer", customer("FR"), "standard:fr_20"],
    ["FR business with an FR VAT id", customer("FR", [{ type: "eu_vat", country: "FR" }]), "reverse_charge"],
    // The VAT id must be issued where the buyer is established.
    ["FR business with a DE VAT id", customer("FR", [{ type: "eu_vat", country: "DE" }]), "standard:fr_20"],
    ["DE business: same state as the seller", customer("DE", [{ type: "eu_vat", country: "DE" }]), "standard:de_19"],
    ["GB consumer", customer("GB"), "standard:gb_20"],
    [
      "FR, certificate running",
      customer("FR", [], { certificate_reference: "EX-1", expires_on: "2026-03-01" }),
      "exempt",
    ],
    [
      "FR, certificate expired the day before",
      customer("FR", [], { certificate_reference: "EX-1", expires_on: "2026-02-28" }),
      "standard:fr_20",
    ],
  ])("%s", (_name, taxCustomer, expected) => {
    expect(kind(invoiceTaxTreatment(facts(taxCustomer), on))).toBe(expected);
  });

  it("refuses a country whose rates leave a gap on the day", () => {
    const ended = [{ ...rate("fr_old", "FR", "19.6"), effective_to: "2014-01-01" }];
    expect(() => invoiceTaxTreatment({ seller_country: "DE", customer: customer("FR"), rates: ended }, on)).toThrow(
      /no tax rate is in force for FR/,
    );
  });

  it("takes the inclusive flag from the rate applied", () => {
    expect(invoiceTaxTreatment(facts(customer("GB")), on).inclusive).toBe(true);
    expect(invoiceTaxTreatment(facts(customer("FR")), on).inclusive).toBe(false);
  });
});

const line = (unit_price: string, subscription_id: string | null = null): InvoiceLineInput => ({
  description: "Seats",
  period: null,
  quantity: "1",
  unit_price,
  proration: false,
  source:
    subscription_id === null ? { type: "manual" } : { type: "subscription", subscription_id, price_id: "price_x" },
  product_id: null,
});

const discount = (id: string, percent: string, periodsApplied: number, scope: DiscountOnFile["scope"]) => ({
  id,
  coupon: {
    id: "cpn_quarter",
    name: "25 % off, 3 months",
    value: { type: "percent" as const, percent_off: percent },
    duration: { type: "repeating" as const, periods: 3 },
    max_redemptions: null,
    redeem_by: null,
  },
  scope,
  periods_applied: periodsApplied,
});

describe("priceInvoice", () => {
  const base = { seller_country: "DE", rates: RATES, discounts: [], credit_balance: "30.00" };

  it("taxes an FR consumer at 20 % and applies credit only when finalizing", () => {
    const facts = { ...base, customer: customer("FR") };
    const draft = priceInvoice(facts, { currency: "EUR", on, lines: [line("100.00")] }, false);
    expect(draft.assembled.tax.toFixed(2)).toBe("20.00"); // 100.00 × 20 %
    expect(draft.assembled.amount_due.toFixed(2)).toBe("120.00"); // 100.00 + 20.00, no credit on a draft
    const final = priceInvoice(facts, { currency: "EUR", on, lines: [line("100.00")] }, true);
    expect(final.assembled.credit_applied.toFixed(2)).toBe("30.00");
    expect(final.assembled.amount_due.toFixed(2)).toBe("90.00"); // 120.00 − 30.00
  });

  it("backs the tax out of GB prices, which include it", () => {
    const priced = priceInvoice(
      { ...base, customer: customer("GB") },
      { currency: "GBP", on, lines: [line("120.00")] },
      false,
    );
    expect(priced.assembled.tax.toFixed(2)).toBe("20.00"); // 120.00 × 20 / 120
    expect(priced.assembled.total.toFixed(2)).toBe("120.00"); // the price quoted
  });

  it("keeps a line's own tax over the invoice's", () => {
    const zeroRated = { ...line("50.00"), tax: { kind: "reverse_charge" as const } };
    const priced = priceInvoice(
      { ...base, customer: customer("FR") },
      { currency: "EUR", on, lines: [line("100.00"), zeroRated] },
      false,
    );
    expect(priced.assembled.tax.toFixed(2)).toBe("20.00"); // 100.00 × 20 %; the 50.00 line carries none
  });

  it("applies a subscription's discount to its lines only, and stops after its periods", () => {
    const scope = { type: "subscription" as const, subscription_id: "sub_a" };
    const lines = [line("30.00", "sub_a"), line("10.00")];
    const running = priceInvoice(
      { ...base, customer: customer("US"), discounts: [discount("di_1", "25", 2, scope)] },
      { currency: "USD", on, lines },
      false,
    );
    expect(running.discounts.map((d) => [d.discount_id, d.coupon_id, d.amount.toFixed(2)])).toEqual([
      ["di_1", "cpn_quarter", "7.50"], // 30.00 × 25 %; the 10.00 manual line is outside its scope
    ]);
    expect(running.assembled.total.toFixed(2)).toBe("32.50"); // 40.00 − 7.50, no tax in US
    const used = priceInvoice(
      { ...base, customer: customer("US"), discounts: [discount("di_1", "25", 3, scope)] },
      { currency: "USD", on, lines },
      false,
    );
    expect(used.assembled.discount_total.toFixed(2)).toBe("0.00"); // 3 of 3 periods used
  });

  it("leaves out a fixed coupon in another currency instead of refusing the invoice", () => {
    const euro = {
      ...discount("di_2", "0", 0, { type: "customer" }),
      coupon: {
        ...discount("di_2", "0", 0, { type: "customer" }).coupon,
        value: { type: "fixed" as const, amount_off: "5.00", currency: "EUR" },
      },
    };
    const priced = priceInvoice(
      { ...base, customer: customer("US"), discounts: [euro] },
      { currency: "USD", on, lines: [line("10.00")] },
      false,
    );
    expect(priced.assembled.total.toFixed(2)).toBe("10.00");
  });
});
